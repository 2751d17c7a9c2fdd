package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tinomail/tinomail/internal/store"
)

// resourceError marks failures of the server's resources as
// store.ErrResources: SQLSTATE class 53 (insufficient resources: disk full,
// out of memory, too many connections) and 58 (system error: I/O).
func resourceError(err error) error {
	var pe *pgconn.PgError
	if err == nil || !errors.As(err, &pe) || len(pe.Code) < 2 {
		return err
	}
	switch pe.Code[:2] {
	case "53", "58":
		return fmt.Errorf("%w: %w", store.ErrResources, err)
	}
	return err
}
