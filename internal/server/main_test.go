package server_test

import (
	"os"
	"testing"

	"github.com/awxtoken/awxtoken/internal/store/pgtest"
)

// TestMain lets every test of this package share one PostgreSQL database
// (a schema each) when AWXTOKEN_TEST_POSTGRES is set, and drops it at the
// end; without it the tests run on SQLite and this changes nothing.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
