package safejson_test

import (
	"fmt"
	"math"

	"github.com/neurona/neurona/internal/safejson"
)

// A diverged epoch's metrics: encoding/json would refuse the NaN loss.
func ExampleMarshal() {
	line := struct {
		Epoch     int                `json:"epoch"`
		TrainLoss float64            `json:"train_loss"`
		Metrics   map[string]float32 `json:"metrics"`
	}{3, math.NaN(), map[string]float32{"val_loss": float32(math.Inf(1)), "acc": 0.5}}
	b, err := safejson.Marshal(line)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))
	// Output: {"epoch":3,"train_loss":null,"metrics":{"acc":0.5,"val_loss":null}}
}
