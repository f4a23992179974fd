package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlq"
)

const userCols = `u.id, u.username, u.password_hash, u.first_name, u.last_name, u.email,
	u.is_superuser, u.is_system_auditor, u.is_active, u.last_login, u.created, u.modified`

// scanner is a row to scan (sqlq.Scanner, so scan functions combine with
// sqlq.ScanJoined).
type scanner = sqlq.Scanner

func scanUser(s scanner) (*store.User, error) {
	var u store.User
	var lastLogin sql.NullInt64
	var created, modified int64
	if err := s.Scan(&u.ID, &u.Username, &u.PasswordHash, &u.FirstName, &u.LastName, &u.Email,
		&u.IsSuperuser, &u.IsSystemAuditor, &u.IsActive, &lastLogin, &created, &modified); err != nil {
		return nil, err
	}
	u.LastLogin = fromNullMicro(lastLogin)
	u.Created, u.Modified = fromMicro(created), fromMicro(modified)
	return &u, nil
}

func errUserTaken() *store.Error {
	return conflict("username", "A user with that username already exists.")
}

func insertUser(ctx context.Context, tx *wtx, u *store.User, now time.Time, orIgnore bool) (bool, error) {
	q := `INSERT INTO users (username, password_hash, first_name, last_name, email,
		is_superuser, is_system_auditor, is_active, last_login, created, modified)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if orIgnore {
		q += ` ON CONFLICT (username) DO NOTHING`
	}
	var lastLogin *time.Time
	if u.LastLogin != nil {
		t := truncTime(*u.LastLogin)
		lastLogin = &t
	}
	res, err := tx.ExecContext(ctx, q, u.Username, u.PasswordHash, u.FirstName, u.LastName, u.Email,
		b2i(u.IsSuperuser), b2i(u.IsSystemAuditor), b2i(u.IsActive), nullMicro(lastLogin), micro(now), micro(now))
	if err != nil {
		if uniqueOn(err, "users.username") {
			return false, errUserTaken()
		}
		return false, internal("create user", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	id, err := res.LastInsertId()
	if err != nil {
		return false, internal("create user", err)
	}
	u.ID, u.Created, u.Modified, u.LastLogin = id, now, now, lastLogin
	return true, nil
}

// CreateUser stores u and sets its ID, Created and Modified.
func (d *DB) CreateUser(ctx context.Context, u *store.User) error {
	return d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		_, err := insertUser(ctx, tx, u, now, false)
		return err
	})
}

// EnsureUser creates u unless its username is taken. The insert and the
// check are one statement in the write lock, so racing processes create one.
func (d *DB) EnsureUser(ctx context.Context, u *store.User) (bool, error) {
	var created bool
	err := d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		var err error
		created, err = insertUser(ctx, tx, u, now, true)
		return err
	})
	return created, err
}

func (d *DB) UserByID(ctx context.Context, id int64) (*store.User, error) {
	return d.oneUser(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = ?`, id)
}

func (d *DB) UserByUsername(ctx context.Context, username string) (*store.User, error) {
	return d.oneUser(ctx, `SELECT `+userCols+` FROM users u WHERE u.username = ?`, username)
}

func (d *DB) oneUser(ctx context.Context, q string, arg any) (*store.User, error) {
	return lookup(ctx, d, scanUser, store.ModelUser, "user", q, arg)
}

// userTx reads user id inside a write transaction.
func userTx(ctx context.Context, tx *wtx, id int64) (*store.User, error) {
	return scanRow(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = ?`, id), scanUser, store.ModelUser, "user")
}

func (d *DB) UpdateUser(ctx context.Context, id int64, upd store.UserUpdate) (*store.User, error) {
	return update(ctx, d, id, userTx, func(ctx context.Context, tx *wtx, u *store.User, now time.Time) error {
		set(&u.Username, upd.Username)
		set(&u.PasswordHash, upd.PasswordHash)
		set(&u.FirstName, upd.FirstName)
		set(&u.LastName, upd.LastName)
		set(&u.Email, upd.Email)
		set(&u.IsSuperuser, upd.IsSuperuser)
		set(&u.IsSystemAuditor, upd.IsSystemAuditor)
		set(&u.IsActive, upd.IsActive)
		u.Modified = now
		_, err := tx.ExecContext(ctx, `UPDATE users SET username = ?, password_hash = ?, first_name = ?,
			last_name = ?, email = ?, is_superuser = ?, is_system_auditor = ?, is_active = ?, modified = ?
			WHERE id = ?`, u.Username, u.PasswordHash, u.FirstName, u.LastName, u.Email,
			b2i(u.IsSuperuser), b2i(u.IsSystemAuditor), b2i(u.IsActive), micro(now), id)
		if err != nil {
			if uniqueOn(err, "users.username") {
				return errUserTaken()
			}
			return internal("update user", err)
		}
		return nil
	})
}

func (d *DB) SetLastLogin(ctx context.Context, id int64, at time.Time) error {
	return d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		return execOne(ctx, tx, store.ModelUser, `UPDATE users SET last_login = ? WHERE id = ?`, micro(at), id)
	})
}

// DeleteUser removes the user; foreign keys cascade to its tokens, refresh
// tokens and role memberships.
func (d *DB) DeleteUser(ctx context.Context, id int64) error {
	return d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		return execOne(ctx, tx, store.ModelUser, `DELETE FROM users WHERE id = ?`, id)
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

// list runs a built list query and its count in one read transaction, so
// the page and the total agree.
func list[T any](ctx context.Context, d *DB, s sqlq.Select, scan func(scanner) (T, error)) ([]T, int, error) {
	b, err := sqlq.Build(sqlq.SQLite, s)
	if err != nil {
		return nil, 0, err
	}
	tx, err := d.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, internal("list "+s.Resource.Name, err)
	}
	defer tx.Rollback()
	var total int
	if err := tx.QueryRowContext(ctx, b.Count, b.CountArgs...).Scan(&total); err != nil {
		return nil, 0, listErr(s.Resource, err)
	}
	rows, err := tx.QueryContext(ctx, b.List, b.ListArgs...)
	if err != nil {
		return nil, 0, listErr(s.Resource, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, 0, listErr(s.Resource, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, listErr(s.Resource, err)
	}
	return out, total, nil
}

func listErr(r *store.Resource, err error) error {
	return internal("list "+r.Name, err)
}
