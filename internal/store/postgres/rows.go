package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awxtoken/awxtoken/internal/store"
)

// The steps every entity's lookups and updates share: a row or NotFound,
// and a read-lock-change-write of one row in one write transaction. Each
// entity keeps its own SQL; only the plumbing around it is here.

// scanRow scans the one row a query returned: no row is NotFound(model);
// any other failure is returned as it is, for read's caller or write to
// map.
func scanRow[T any](row pgx.Row, scan func(scanner) (T, error), model string) (T, error) {
	v, err := scan(row)
	if errors.Is(err, pgx.ErrNoRows) {
		var zero T
		return zero, store.NotFound(model)
	}
	return v, err
}

// lookup runs the query q on the pool (again after a lost connection, as
// read does) and scans its row as scanRow does; a failure other than
// NotFound is an internal error of "get "+what.
func lookup[T any](ctx context.Context, d *DB, scan func(scanner) (T, error), model, what, q string, args ...any) (T, error) {
	var v T
	err := d.read(ctx, func() (err error) {
		v, err = scanRow(d.pool.QueryRow(ctx, q, args...), scan, model)
		return err
	})
	if err != nil {
		var zero T
		return zero, internal("get "+what, err)
	}
	return v, nil
}

// update is the frame of every UpdateX: in one write transaction (op names
// it in errors) it loads and locks row id (load answers NotFound when there
// is none), lets save apply the change and write it back, and returns the
// row as written. Like every writeFunc it may run again after a deadlock;
// it sets its output only at the end.
func update[T any](ctx context.Context, d *DB, op string, id int64,
	load func(context.Context, pgx.Tx, int64) (T, error),
	save func(ctx context.Context, tx pgx.Tx, v T, now time.Time) error) (T, error) {
	var out T
	err := d.write(ctx, op, func(ctx context.Context, tx pgx.Tx, now time.Time) error {
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
