package serve

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Bounds on the predictions a server works on. Decoding a 2048x2048
// 16-bit PNG takes most of a second of CPU: without a bound, 120 requests
// at once waited 26.6 s at the 99th percentile and held 521 MB. With it, at
// most maxPredicting run at once and maxWaiting more wait for a turn (each
// holding at most its 2 MB body); beyond that, and after predictDeadline
// of waiting, a request is answered 503 with Retry-After at once.
const (
	maxPredicting   = 4
	maxWaiting      = 16
	predictDeadline = 20 * time.Second
	retryAfter      = 1 * time.Second
)

// queue admits the requests of one kind of work: running at most cap(working)
// at once, with at most cap(admitted)-cap(working) waiting for a turn.
type queue struct {
	admitted chan struct{} // a token per request admitted: working or waiting
	working  chan struct{} // a token per request working
	// onWait and onTurn, if set (by tests), are called when a request
	// starts waiting and when it gets its turn, before it works.
	onWait, onTurn func()
}

func newQueue(working, waiting int) *queue {
	return &queue{admitted: make(chan struct{}, working+waiting), working: make(chan struct{}, working)}
}

// busyError answers a request the queue has no room or no time for: 503
// Service Unavailable, with Retry-After.
func busyError(why string) error {
	return &httpError{http.StatusServiceUnavailable, fmt.Errorf("the server is busy with other predictions (%s); try again in %s", why, retryAfter)}
}

// admit lets a request in, or refuses it at once (busyError) when as many
// as the queue holds are working or waiting. The caller calls leave when
// done.
func (q *queue) admit(w http.ResponseWriter) (leave func(), err error) {
	select {
	case q.admitted <- struct{}{}:
		return func() { <-q.admitted }, nil
	default:
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
		return nil, busyError(fmt.Sprintf("%d running, %d waiting", cap(q.working), cap(q.admitted)-cap(q.working)))
	}
}

// turn waits until the admitted request may work, or until ctx ends
// (busyError). The caller calls done when it has worked.
func (q *queue) turn(ctx context.Context, w http.ResponseWriter) (done func(), err error) {
	select {
	case q.working <- struct{}{}:
	default:
		if q.onWait != nil {
			q.onWait()
		}
		select {
		case q.working <- struct{}{}:
		case <-ctx.Done():
			w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
			return nil, busyError("no turn came before the request's deadline")
		}
	}
	if q.onTurn != nil {
		q.onTurn()
	}
	return func() { <-q.working }, nil
}
