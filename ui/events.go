package ui

import (
	"time"

	"fyne.io/fyne/v2"

	"github.com/camsdesk/camsdesk/receiver"
)

// This file is the one place where work on other goroutines reaches the widgets: receiver events, the
// results of background work and periodic refreshes all go through Services.ui, which is fyne.Do.

// uiRunner runs a function on the UI goroutine.
type uiRunner interface{ Do(func()) }

type fyneRunner struct{}

func (fyneRunner) Do(fn func()) { fyne.Do(fn) }

// eventBuffer is how many receiver events may wait for the UI before the oldest are dropped.
const eventBuffer = 1024

// maxEventBatch bounds the events handed to the screens in one go.
const maxEventBatch = 256

// pumpEvents hands receiver events to the listeners in batches, so that a burst of callbacks costs one UI
// update, until the channel closes.
func (s *Services) pumpEvents(events <-chan receiver.Event) {
	for ev := range events {
		batch := []receiver.Event{ev}
	more:
		for len(batch) < maxEventBatch {
			select {
			case ev, ok := <-events:
				if !ok {
					break more
				}
				batch = append(batch, ev)
			default:
				break more
			}
		}
		s.ui.Do(func() {
			for _, fn := range s.listeners {
				fn(batch)
			}
		})
	}
}

// background runs work on its own goroutine and then done with its result on the UI goroutine.
func background[T any](s *Services, work func() T, done func(T)) {
	go func() {
		v := work()
		s.ui.Do(func() { done(v) })
	}()
}

// onUI runs fn on the UI goroutine; for callbacks that other packages call on their goroutines.
func (s *Services) onUI(fn func()) { s.ui.Do(fn) }

// every runs fn on the UI goroutine every d until the services close.
func (s *Services) every(d time.Duration, fn func()) {
	done := s.done
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s.ui.Do(fn)
			}
		}
	}()
}
