//go:build linux || darwin || freebsd || netbsd || openbsd

package db

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

func lockShared(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH)
		if !errors.Is(err, syscall.EINTR) {
			return wrapFlock("shared", err)
		}
	}
}

// tryExclusive takes f's flock exclusively if nobody holds it, and says
// whether it did.
func tryExclusive(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EINTR) {
		return false, nil
	}
	return err == nil, wrapFlock("exclusive", err)
}

func unlock(f *os.File) error {
	return wrapFlock("unlock", syscall.Flock(int(f.Fd()), syscall.LOCK_UN))
}

func wrapFlock(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("flock %s: %w", what, err)
}
