package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlq"
)

const userCols = `u.id, u.username, u.password_hash, u.first_name, u.last_name, u.email,
	u.is_superuser, u.is_system_auditor, u.is_active, u.last_login, u.created, u.modified`

func scanUser(s scanner) (*store.User, error) {
	var u store.User
	if err := s.Scan(&u.ID, &u.Username, &u.PasswordHash, &u.FirstName, &u.LastName, &u.Email,
		&u.IsSuperuser, &u.IsSystemAuditor, &u.IsActive, &u.LastLogin, &u.Created, &u.Modified); err != nil {
		return nil, err
	}
	u.LastLogin = utcPtr(u.LastLogin)
	u.Created, u.Modified = utc(u.Created), utc(u.Modified)
	return &u, nil
}

func errUserTaken() *store.Error {
	return conflict("username", "A user with that username already exists.")
}

func insertUser(ctx context.Context, tx pgx.Tx, u *store.User, now time.Time, orIgnore bool) (bool, error) {
	if err := checkText(u.Username, u.PasswordHash, u.FirstName, u.LastName, u.Email); err != nil {
		return false, err
	}
	q := `INSERT INTO users (username, password_hash, first_name, last_name, email,
		is_superuser, is_system_auditor, is_active, last_login, created, modified)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`
	if orIgnore {
		// The check and the insert are one statement: of several processes
		// racing for one username exactly one inserts, the others wait for
		// its commit and do nothing.
		q += ` ON CONFLICT (username) DO NOTHING`
	}
	q += ` RETURNING id`
	var lastLogin *time.Time
	if u.LastLogin != nil {
		t := truncTime(*u.LastLogin)
		lastLogin = &t
	}
	var id int64
	err := tx.QueryRow(ctx, q, u.Username, u.PasswordHash, u.FirstName, u.LastName, u.Email,
		u.IsSuperuser, u.IsSystemAuditor, u.IsActive, lastLogin, now).Scan(&id)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, nil
	case isUnique(err, "users_username_key"):
		return false, errUserTaken()
	case err != nil:
		return false, err
	}
	u.ID, u.Created, u.Modified, u.LastLogin = id, now, now, lastLogin
	return true, nil
}

// CreateUser stores u and sets its ID, Created and Modified.
func (d *DB) CreateUser(ctx context.Context, u *store.User) error {
	return d.write(ctx, "create user", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		_, err := insertUser(ctx, tx, u, now, false)
		return err
	})
}

// EnsureUser creates u unless its username is taken, safely across
// processes.
func (d *DB) EnsureUser(ctx context.Context, u *store.User) (bool, error) {
	var created bool
	err := d.write(ctx, "ensure user", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		var err error
		created, err = insertUser(ctx, tx, u, now, true)
		return err
	})
	return created, err
}

func (d *DB) UserByID(ctx context.Context, id int64) (*store.User, error) {
	return d.oneUser(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = $1`, id)
}

func (d *DB) UserByUsername(ctx context.Context, username string) (*store.User, error) {
	if checkText(username) != nil {
		return nil, store.NotFound(store.ModelUser)
	}
	return d.oneUser(ctx, `SELECT `+userCols+` FROM users u WHERE u.username = $1`, username)
}

func (d *DB) oneUser(ctx context.Context, q string, arg any) (*store.User, error) {
	return lookup(ctx, d, scanUser, store.ModelUser, "user", q, arg)
}

// userForUpdate reads user id in a write transaction, locking its
// row until the commit.
func userForUpdate(ctx context.Context, tx pgx.Tx, id int64) (*store.User, error) {
	return scanRow(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = $1 FOR UPDATE`, id), scanUser, store.ModelUser)
}

func (d *DB) UpdateUser(ctx context.Context, id int64, upd store.UserUpdate) (*store.User, error) {
	return update(ctx, d, "update user", id, userForUpdate, func(ctx context.Context, tx pgx.Tx, u *store.User, now time.Time) error {
		set(&u.Username, upd.Username)
		set(&u.PasswordHash, upd.PasswordHash)
		set(&u.FirstName, upd.FirstName)
		set(&u.LastName, upd.LastName)
		set(&u.Email, upd.Email)
		set(&u.IsSuperuser, upd.IsSuperuser)
		set(&u.IsSystemAuditor, upd.IsSystemAuditor)
		set(&u.IsActive, upd.IsActive)
		if err := checkText(u.Username, u.PasswordHash, u.FirstName, u.LastName, u.Email); err != nil {
			return err
		}
		u.Modified = now
		_, err := tx.Exec(ctx, `UPDATE users SET username = $1, password_hash = $2, first_name = $3,
			last_name = $4, email = $5, is_superuser = $6, is_system_auditor = $7, is_active = $8, modified = $9
			WHERE id = $10`, u.Username, u.PasswordHash, u.FirstName, u.LastName, u.Email,
			u.IsSuperuser, u.IsSystemAuditor, u.IsActive, now, id)
		if isUnique(err, "users_username_key") {
			return errUserTaken()
		}
		if err != nil {
			return err
		}
		return nil
	})
}

func (d *DB) SetLastLogin(ctx context.Context, id int64, at time.Time) error {
	return d.write(ctx, "set last login", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		return execOne(ctx, tx, store.ModelUser, `UPDATE users SET last_login = $1 WHERE id = $2`, truncTime(at), id)
	})
}

// DeleteUser removes the user; foreign keys cascade to its tokens, refresh
// tokens and role memberships, and the schema's triggers tell every replica.
func (d *DB) DeleteUser(ctx context.Context, id int64) error {
	return d.write(ctx, "delete user", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		return execOne(ctx, tx, store.ModelUser, `DELETE FROM users WHERE id = $1`, id)
	})
}

func (d *DB) ListUsers(ctx context.Context, q store.Query) ([]*store.User, int, error) {
	return list(ctx, d, sqlq.Select{Resource: store.UserResource, Columns: userCols, Query: q}, scanUser)
}

func (d *DB) ListRoleUsers(ctx context.Context, roleID int64, q store.Query) ([]*store.User, int, error) {
	if _, err := d.RoleByID(ctx, roleID); err != nil {
		return nil, 0, err
	}
	return list(ctx, d, sqlq.Select{
		Resource: store.UserResource, Columns: userCols, Query: q,
		Where: []sqlq.Cond{func(bind sqlq.Bind) string {
			return "u.id IN (SELECT user_id FROM role_members WHERE role_id = " + bind(roleID) + ")"
		}},
	}, scanUser)
}

// list runs a built list query and its count in one REPEATABLE READ
// read-only transaction, so the page and the total see one snapshot.
func list[T any](ctx context.Context, d *DB, s sqlq.Select, scan func(scanner) (T, error)) ([]T, int, error) {
	if err := checkQuery(s.Query); err != nil {
		return nil, 0, err
	}
	b, err := sqlq.Build(sqlq.Postgres, s)
	if err != nil {
		return nil, 0, err
	}
	var out []T
	var total int
	err = d.read(ctx, func() error {
		tx, err := d.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		if err := tx.QueryRow(ctx, b.Count, b.CountArgs...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, b.List, b.ListArgs...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []T{}
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, internal("list "+s.Resource.Name, err)
	}
	return out, total, nil
}

// checkQuery rejects filter values PostgreSQL text cannot hold (NUL).
// SQLite would simply match nothing; a 400 says more than an empty page.
func checkQuery(q store.Query) error {
	vals := []string{q.Search}
	for _, f := range q.Filters {
		vals = append(vals, f.Value)
	}
	return checkText(vals...)
}
