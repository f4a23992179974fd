package badinput

import (
	"os"
	"testing"

	"github.com/awxtoken/awxtoken/internal/proctest"
)

// The bootstrap superuser each server process of this suite starts with.
const (
	adminUser = "admin"
	adminPass = "badinput-Admin-pw-1"
)

// TestMain removes the awxtoken binary proctest built, once all tests ran.
func TestMain(m *testing.M) { os.Exit(proctest.Main(m)) }

// startServer starts `awxtoken server` on dsn with JSON logs and waits
// until it serves.
func startServer(t *testing.T, dsn string) *proctest.Proc {
	t.Helper()
	return proctest.Start(t, dsn, proctest.Config{Args: []string{"--log-format", "json"},
		Env: proctest.AdminEnv(adminUser, adminPass)})
}
