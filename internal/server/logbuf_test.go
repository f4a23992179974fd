package server

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is the underlying writer; the flush timer writes from its
// own goroutine, so reads must hold the same lock.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) Writes() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writes
}

func newBufferedLogger(interval time.Duration) (*slog.Logger, *LogBuffer, *lockedBuffer) {
	out := &lockedBuffer{}
	lb := NewLogBuffer(out, interval)
	return slog.New(lb.Handler(slog.NewTextHandler(lb, nil))), lb, out
}

func TestLogBufferHoldsAccessLinesOnly(t *testing.T) {
	log, lb, out := newBufferedLogger(time.Hour) // the timer never fires here
	defer lb.Close()
	log.With("request_id", "abc").Info(AccessLogMessage, "status", 200)
	log.Info(AccessLogMessage, "status", 201)
	if s := out.String(); s != "" {
		t.Fatalf("access lines written at once: %q", s)
	}
	// Any other record goes out at once, after the lines waiting before it.
	log.Warn("store slow")
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "status=200") || !strings.Contains(lines[0], "request_id=abc") ||
		!strings.Contains(lines[1], "status=201") || !strings.Contains(lines[2], "store slow") {
		t.Fatalf("log out of order or incomplete: %q", lines)
	}
	if n := out.Writes(); n != 1 {
		t.Errorf("%d writes for one flush, want 1", n)
	}
	// An Info record that is not the access line is not held back either.
	log.Info("awxtoken server listening")
	if !strings.Contains(out.String(), "listening") {
		t.Fatal("start-up line held in the buffer")
	}
	// Nor an access-log message at another level.
	log.Error(AccessLogMessage, "status", 500)
	if !strings.Contains(out.String(), "status=500") {
		t.Fatal("error-level line held in the buffer")
	}
}

func TestLogBufferFlushesAfterInterval(t *testing.T) {
	log, lb, out := newBufferedLogger(20 * time.Millisecond)
	defer lb.Close()
	for round := range 2 { // the timer re-arms after a flush
		log.Info(AccessLogMessage, "round", round)
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(out.String(), fmt.Sprintf("round=%d", round)) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: access line not flushed by the timer: %q", round, out.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func TestLogBufferFlushesWhenFull(t *testing.T) {
	log, lb, out := newBufferedLogger(time.Hour)
	defer lb.Close()
	line := strings.Repeat("x", 1000)
	n := 0
	for out.String() == "" {
		if n > 2*defaultLogBufferSize/len(line) {
			t.Fatal("a full buffer was not written")
		}
		log.Info(AccessLogMessage, "pad", line)
		n++
	}
	if got := out.String(); len(got) > defaultLogBufferSize || !strings.HasSuffix(got, "\n") {
		t.Fatalf("flushed %d bytes, want at most %d whole lines", len(got), defaultLogBufferSize)
	}
	// A record larger than the buffer goes straight through.
	huge := strings.Repeat("y", 2*defaultLogBufferSize)
	log.Info(AccessLogMessage, "pad", huge)
	if !strings.Contains(out.String(), huge) {
		t.Fatal("oversized record not written")
	}
}

// TestLogBufferCloseLosesNothing is graceful shutdown: every line logged,
// from many goroutines, is in the output after Close, whole; and a line
// logged after Close is written at once.
func TestLogBufferCloseLosesNothing(t *testing.T) {
	log, lb, out := newBufferedLogger(time.Millisecond)
	const goroutines, each = 8, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				log.Info(AccessLogMessage, "g", g, "i", i)
			}
		})
	}
	wg.Wait()
	if err := lb.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != goroutines*each {
		t.Fatalf("%d lines after Close, want %d", len(lines), goroutines*each)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		i := strings.Index(l, " g=")
		if i < 0 || !strings.HasPrefix(l, "time=") {
			t.Fatalf("torn line %q", l)
		}
		seen[l[i:]] = true
	}
	if len(seen) != goroutines*each {
		t.Fatalf("%d distinct lines, want %d", len(seen), goroutines*each)
	}
	log.Info(AccessLogMessage, "after", "close")
	if !strings.Contains(out.String(), "after=close") {
		t.Fatal("line after Close not written")
	}
}
