package servertest_test

import (
	"os"
	"testing"

	"github.com/awxtoken/awxtoken/internal/store/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
