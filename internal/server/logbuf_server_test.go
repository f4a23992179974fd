package server_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/server"
	"github.com/awxtoken/awxtoken/internal/servertest"
)

// TestLogBufferWithServer serves requests with the access log behind a
// LogBuffer, as `awxtoken server` does: the access line (with the request
// id its response carried) waits in memory and is in the log after Flush.
func TestLogBufferWithServer(t *testing.T) {
	var out syncBuffer
	lb := server.NewLogBuffer(&out, time.Hour) // only Flush writes here
	defer lb.Close()
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Logger = slog.New(lb.Handler(slog.NewJSONHandler(lb, nil)))
	}))
	lb.Flush() // whatever start-up logged
	res := srv.Do(t, "GET", "/api/v2/me/", srv.Admin(), nil)
	id := res.Header.Get("X-API-Request-Id")
	if res.Status != 200 || len(id) != 32 {
		t.Fatalf("GET /api/v2/me/: %d, request id %q", res.Status, id)
	}
	if strings.Contains(out.String(), id) {
		t.Fatal("access line written before a flush")
	}
	if err := lb.Flush(); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, `"msg":"`+server.AccessLogMessage+`"`) || !strings.Contains(s, `"request_id":"`+id+`"`) {
		t.Fatalf("access line missing after Flush: %q", s)
	}
}
