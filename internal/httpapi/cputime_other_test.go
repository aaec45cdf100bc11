//go:build !unix

package httpapi_test

import "time"

// processCPU is unknown here; the intake benchmark then reports no CPU.
func processCPU() time.Duration { return 0 }
