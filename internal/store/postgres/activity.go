package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlq"
)

const activityCols = `ac.id, ac.timestamp, ac.actor_id, ac.operation, ac.object_type, ac.object_id, ac.object2, ac.changes`

func scanActivity(s scanner) (*store.Activity, error) {
	var a store.Activity
	if err := s.Scan(&a.ID, &a.Timestamp, &a.ActorID, &a.Operation, &a.ObjectType, &a.ObjectID, &a.Object2, &a.Changes); err != nil {
		return nil, err
	}
	a.Timestamp = utc(a.Timestamp)
	return &a, nil
}

// AddActivity stores one activity stream entry; a zero Timestamp is now.
// An actor that no longer exists is recorded as none rather than failing
// the change the entry describes.
func (d *DB) AddActivity(ctx context.Context, a *store.Activity) error {
	return d.write(ctx, "add activity", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		return insertActivity(ctx, tx, a, now)
	})
}

// withActivity makes fn also write the entry act builds, in fn's
// transaction, once fn has succeeded: the change and its activity stream
// entry commit together. act runs again if the transaction is retried.
func withActivity(fn writeFunc, act store.ActivityFunc) writeFunc {
	return func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		if err := fn(ctx, tx, now); err != nil {
			return err
		}
		a := act()
		if a == nil {
			return nil
		}
		return insertActivity(ctx, tx, a, now)
	}
}

func insertActivity(ctx context.Context, tx pgx.Tx, a *store.Activity, now time.Time) error {
	if err := checkText(a.Operation, a.ObjectType, a.Object2); err != nil {
		return err
	}
	ts := now
	if !a.Timestamp.IsZero() {
		ts = truncTime(a.Timestamp)
	}
	changes := a.Changes
	if len(changes) == 0 {
		changes = []byte("{}")
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO activity (timestamp, actor_id, operation, object_type,
		object_id, object2, changes) VALUES ($1, (SELECT id FROM users WHERE id = $2), $3, $4, $5, $6, $7)
		RETURNING id`, ts, a.ActorID, a.Operation, a.ObjectType, a.ObjectID, a.Object2, changes).Scan(&id)
	if err != nil {
		return err
	}
	a.ID, a.Timestamp, a.Changes = id, ts, changes
	return nil
}

func (d *DB) ListActivity(ctx context.Context, q store.Query) ([]*store.Activity, int, error) {
	return list(ctx, d, sqlq.Select{Resource: store.ActivityResource, Columns: activityCols, Query: q}, scanActivity)
}
