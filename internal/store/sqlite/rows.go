package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
)

// The steps every entity's lookups and updates share: a row or NotFound,
// and a read-change-write of one row in one write transaction. Each entity
// keeps its own SQL; only the plumbing around it is here.

// scanRow scans the one row a lookup returned: no row is NotFound(model),
// any other failure an internal error of "get "+what.
func scanRow[T any](row scanner, scan func(scanner) (T, error), model, what string) (T, error) {
	v, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, store.NotFound(model)
	}
	if err != nil {
		var zero T
		return zero, internal("get "+what, err)
	}
	return v, nil
}

// lookup runs the query q (a prepared statement on a reader connection) and
// scans its row as scanRow does.
func lookup[T any](ctx context.Context, d *DB, scan func(scanner) (T, error), model, what, q string, args ...any) (T, error) {
	row, err := d.queryRow(ctx, q, args...)
	if err != nil {
		var zero T
		return zero, err
	}
	return scanRow(row, scan, model, what)
}

// update is the frame of every UpdateX: in one write transaction it loads
// row id (load answers NotFound when there is none), lets save apply the
// change and write it back, and returns the row as written.
func update[T any](ctx context.Context, d *DB, id int64,
	load func(context.Context, *wtx, int64) (T, error),
	save func(ctx context.Context, tx *wtx, v T, now time.Time) error) (T, error) {
	var out T
	err := d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		v, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := save(ctx, tx, v, now); err != nil {
			return err
		}
		out = v
		return nil
	})
	return out, err
}

// set applies one field of a partial update: a nil v leaves *dst as it is.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// execOne runs a statement that must touch one row; none is NotFound(model).
func execOne(ctx context.Context, tx *wtx, model, q string, args ...any) error {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return internal("write "+model, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return internal("write "+model, err)
	}
	if n == 0 {
		return store.NotFound(model)
	}
	return nil
}
