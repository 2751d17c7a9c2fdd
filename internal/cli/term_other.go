//go:build !linux

package cli

import (
	"errors"
	"os"
)

// Elsewhere than Linux the password is read from stdin only: pipe it in.
func isTerminal(*os.File) bool { return false }

func readNoEcho(*os.File) (string, error) {
	return "", errors.New("no terminal prompt on this platform: pipe the password into stdin")
}
