package xlatest

import (
	"strings"
	"testing"
)

func TestCheckIsolated(t *testing.T) {
	const head = `module @m {
  func.func @main(%arg0: tensor<4xf32>, %w: tensor<f32>) -> (tensor<f32>) {
    %0 = "stablehlo.constant"() { value = dense<0> : tensor<i32> } : () -> tensor<i32>
`
	const tail = `    }) : (tensor<i32>, tensor<f32>) -> (tensor<i32>, tensor<f32>)
    "func.return"(%2) : (tensor<f32>) -> ()
  }
}
`
	loop := func(body string) string {
		return head + `    %1, %2 = "stablehlo.while"(%0, %w) ({
      ^cond(%state0: tensor<i32>, %state1: tensor<f32>) :
          %3 = "stablehlo.constant"() { value = dense<2> : tensor<i32> } : () -> tensor<i32>
          %4 = "stablehlo.compare"(%state0, %3) : (tensor<i32>, tensor<i32>) -> tensor<i1>
          "stablehlo.return"(%4) : (tensor<i1>) -> ()
    }, {
      ^body(%state0: tensor<i32>, %state1: tensor<f32>) :
` + body + tail
	}
	for _, tc := range []struct {
		name, text, want string
	}{
		{"own values", loop(`          %5 = "stablehlo.add"(%state1, %state1) : (tensor<f32>, tensor<f32>) -> tensor<f32>
          "stablehlo.return"(%state0, %5) : (tensor<i32>, tensor<f32>) -> ()
`), ""},
		{"parameter of main", loop(`          %5 = "stablehlo.add"(%state1, %w) : (tensor<f32>, tensor<f32>) -> tensor<f32>
          "stablehlo.return"(%state0, %5) : (tensor<i32>, tensor<f32>) -> ()
`), "uses %w, defined outside it"},
		{"constant of main", loop(`          %5 = "stablehlo.multiply"(%state0, %0) : (tensor<i32>, tensor<i32>) -> tensor<i32>
          "stablehlo.return"(%5, %state1) : (tensor<i32>, tensor<f32>) -> ()
`), "uses %0, defined outside it"},
		{"returns a value of main", loop(`          "stablehlo.return"(%0, %state1) : (tensor<i32>, tensor<f32>) -> ()
`), "uses %0, defined outside it"},
		{"value of the condition", loop(`          "stablehlo.return"(%3, %state1) : (tensor<i32>, tensor<f32>) -> ()
`), "uses %3, defined nowhere before"},
		{"reduction inside the body", loop(`          %5 = "stablehlo.reduce"(%state1, %state1) ({
            ^reductionFn(%lhs: tensor<f32>, %rhs: tensor<f32>) :
              %6 = "stablehlo.add"(%lhs, %state1) : (tensor<f32>, tensor<f32>) -> tensor<f32>
              "stablehlo.return"(%6) : (tensor<f32>) -> ()
          }) { dimensions = array<i64> } : (tensor<f32>, tensor<f32>) -> tensor<f32>
          "stablehlo.return"(%state0, %5) : (tensor<i32>, tensor<f32>) -> ()
`), "uses %state1, defined outside it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckIsolated(tc.text)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}
