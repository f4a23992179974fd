package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlq"
)

const activityCols = `ac.id, ac.timestamp, ac.actor_id, ac.operation, ac.object_type, ac.object_id, ac.object2, ac.changes`

func scanActivity(s scanner) (*store.Activity, error) {
	var a store.Activity
	var ts int64
	var actor sql.NullInt64
	if err := s.Scan(&a.ID, &ts, &actor, &a.Operation, &a.ObjectType, &a.ObjectID, &a.Object2, &a.Changes); err != nil {
		return nil, err
	}
	a.Timestamp = fromMicro(ts)
	a.ActorID = fromNullInt(actor)
	return &a, nil
}

// AddActivity stores one activity stream entry; a zero Timestamp is now.
// An actor that no longer exists is recorded as none rather than failing
// the change the entry describes.
func (d *DB) AddActivity(ctx context.Context, a *store.Activity) error {
	return d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		return insertActivity(ctx, tx, a, now)
	})
}

// withActivity makes fn also write the entry act builds, in fn's
// transaction (and savepoint, when grouped), once fn has succeeded: the
// change and its activity stream entry are durable together, in one commit.
func withActivity(fn writeFunc, act store.ActivityFunc) writeFunc {
	return func(ctx context.Context, tx *wtx, now time.Time) error {
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

// insertActivitySQL runs with every change; the writer prepares it once
// (writerStmts).
const insertActivitySQL = `INSERT INTO activity (timestamp, actor_id, operation, object_type,
		object_id, object2, changes) VALUES (?, (SELECT id FROM users WHERE id = ?), ?, ?, ?, ?, ?)`

func insertActivity(ctx context.Context, tx *wtx, a *store.Activity, now time.Time) error {
	ts := now
	if !a.Timestamp.IsZero() {
		ts = truncTime(a.Timestamp)
	}
	changes := a.Changes
	if len(changes) == 0 {
		changes = []byte("{}")
	}
	res, err := tx.ExecContext(ctx, insertActivitySQL,
		micro(ts), nullInt(a.ActorID), a.Operation, a.ObjectType, a.ObjectID, a.Object2, changes)
	if err != nil {
		return internal("add activity", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return internal("add activity", err)
	}
	a.ID, a.Timestamp, a.Changes = id, ts, changes
	return nil
}

func (d *DB) ListActivity(ctx context.Context, q store.Query) ([]*store.Activity, int, error) {
	return list(ctx, d, sqlq.Select{Resource: store.ActivityResource, Columns: activityCols, Query: q}, scanActivity)
}
