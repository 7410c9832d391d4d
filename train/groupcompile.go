package train

import (
	"context"
	"fmt"

	"github.com/gomlx/compute"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// CompileGroup compiles the programs of cfgs (one model m, the same
// GroupKey, cfg.Backend the name of b) as the members of one Group on b,
// each training on set[indices] with its own seed's data order, for
// programs that drive the calls themselves (package train/bench times a
// group's steps). A member's TrainCall hands its batch to the group and
// returns when the group's step has run it, which happens once every
// member still in the group has called: each member's calls must come
// from a goroutine of its own. Leave takes a member out for good; every
// member must leave when done, or the others wait for it.
func CompileGroup(b compute.Backend, cfgs []config.Config, m models.Model, set *data.Set, indices []int, opts ProgramOptions) ([]*Program, error) {
	g := NewGroup(len(cfgs))
	g.b, g.name, g.set = b, cfgs[0].Backend, set
	g.share = g.share || !backend.IsGo(g.name)
	key := ""
	programs := make([]*Program, 0, len(cfgs))
	fail := func(err error) ([]*Program, error) {
		for _, p := range programs {
			p.Leave()
		}
		for range len(cfgs) - len(programs) {
			g.Leave()
		}
		return nil, err
	}
	if err := GroupFits(cfgs[0], len(cfgs)); err != nil { // before anything is allocated
		return fail(err)
	}
	for i, cfg := range cfgs {
		k, why := GroupKey(cfg)
		if k == "" || key != "" && k != key {
			if why == "" {
				why = "its shape differs from the first member's"
			}
			return fail(fmt.Errorf("%w: member %d cannot train in this group: %s", config.ErrConfig, i, why))
		}
		key = k
		cfg = memberConfig(cfg)
		o := opts
		o.group = g
		p, err := Compile(b, cfg, m, set, indices, o)
		if err != nil {
			return fail(err)
		}
		slot := &groupSlot{group: g, ctx: context.Background(), index: -1}
		p.member = slot
		slot.join(p)
		programs = append(programs, p)
	}
	return programs, nil
}

// Leave takes a Group member's program out of its group for good (a
// program alone: nothing).
func (p *Program) Leave() {
	if p.member != nil {
		p.member.leave()
	}
}
