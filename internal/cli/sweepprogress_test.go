package cli

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/runfolder"
)

// A group's progress line for an epoch comes once every member still
// training has ended it, in epoch order, whatever order the members
// report in; a member that stops early, fails or never starts no longer
// holds the others' lines back.
func TestGroupProgress(t *testing.T) {
	ended := func(epoch, epochs int, val float64) train.Event {
		return train.EpochEnded{Metrics: runfolder.EpochMetrics{Epoch: epoch, ValAccuracy: &val}, Epochs: epochs}
	}
	type say struct {
		member string
		ev     train.Event // nil: the member's run returned (progress.done)
	}
	tests := []struct {
		name   string
		n      int
		events []say
		want   []string // the lines, without their times
	}{
		{"an epoch is said once every member ended it", 2, []say{
			{"a", ended(1, 2, 0.90)}, {"a", ended(2, 2, 0.95)}, {"b", ended(1, 2, 0.80)}, {"b", ended(2, 2, 0.85)},
		}, []string{"g  epoch 1/2  2 of 2 trials  val acc 0.8000 to 0.9000", "g  epoch 2/2  2 of 2 trials  val acc 0.8500 to 0.9500"}},
		{"nothing is said before every member said something", 3, []say{
			{"a", ended(1, 1, 0.9)}, {"b", ended(1, 1, 0.8)},
		}, nil},
		{"a member that stopped early no longer holds the others back", 2, []say{
			{"a", ended(1, 3, 0.9)}, {"b", ended(1, 3, 0.8)}, {"a", train.Stopped{}}, {"b", ended(2, 3, 0.85)},
		}, []string{"g  epoch 1/3  2 of 2 trials  val acc 0.8000 to 0.9000", "g  epoch 2/3  1 of 2 trials  val acc 0.8500 to 0.8500"}},
		{"a member that never started no longer holds the others back", 2, []say{
			{"a", ended(1, 1, 0.9)}, {"b", nil},
		}, []string{"g  epoch 1/1  1 of 2 trials  val acc 0.9000 to 0.9000"}},
		{"a group resumed after its first epochs says the epochs it trains", 2, []say{
			{"a", ended(3, 4, 0.90)}, {"b", ended(3, 4, 0.80)}, {"a", ended(4, 4, 0.91)}, {"b", ended(4, 4, 0.81)},
		}, []string{"g  epoch 3/4  2 of 2 trials  val acc 0.8000 to 0.9000", "g  epoch 4/4  2 of 2 trials  val acc 0.8100 to 0.9100"}},
		{"a member resumed later than the others holds back no epoch it skipped", 2, []say{
			{"a", ended(1, 3, 0.90)}, {"b", ended(3, 3, 0.80)}, {"a", ended(2, 3, 0.91)}, {"a", ended(3, 3, 0.92)},
		}, []string{"g  epoch 1/3  1 of 2 trials  val acc 0.9000 to 0.9000", "g  epoch 2/3  1 of 2 trials  val acc 0.9100 to 0.9100",
			"g  epoch 3/3  2 of 2 trials  val acc 0.8000 to 0.9200"}},
		{"members that resumed with nothing left to train say nothing", 2, []say{
			{"a", nil}, {"b", nil},
		}, nil},
		{"without a validation split the training accuracy is said as such", 1, []say{
			{"a", train.EpochEnded{Metrics: runfolder.EpochMetrics{Epoch: 1, TrainAccuracy: 0.7}, Epochs: 1}},
		}, []string{"g  epoch 1/1  1 of 1 trials  accuracy (training's: no validation split) 0.7000 to 0.7000"}},
	}
	times := regexp.MustCompile(`  [0-9.]+s$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			p := newGroupProgress(&out, "g", tt.n)
			for _, s := range tt.events {
				if s.ev == nil {
					p.done(s.member)
				} else {
					p.observe(s.member)(s.ev)
				}
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if line != "" {
					got = append(got, times.ReplaceAllString(line, ""))
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
