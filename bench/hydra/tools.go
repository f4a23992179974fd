//go:build tools

// Package hydra pins Ory Hydra v2.3.0, the peer the benchmark suite measures
// awxtoken against. It lives in its own module so Hydra's large dependency
// graph never enters awxtoken's go.mod.
package hydra

import _ "github.com/ory/hydra/v2"
