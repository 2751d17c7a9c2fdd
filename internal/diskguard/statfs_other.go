//go:build !unix

package diskguard

import "errors"

func freeBytes(string) (uint64, error) {
	return 0, errors.New("free disk space is not known on this platform")
}
