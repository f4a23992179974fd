package sqlite

import (
	"context"
	"time"
)

// Settings reports the writer connection's synchronous and foreign_keys
// pragmas (2 and 1 when durable and enforcing), for tests.
func (d *DB) Settings(ctx context.Context) (synchronous, foreignKeys int) {
	_ = d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		if err := tx.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&synchronous); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&foreignKeys)
	})
	return synchronous, foreignKeys
}
