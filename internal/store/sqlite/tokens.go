package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlq"
)

const tokenCols = `t.id, t.user_id, t.digest, t.application_id, t.expires, t.scope, t.description,
	t.last_used, t.source_refresh_token_id, t.created, t.modified`

const refreshCols = `r.id, r.digest, r.user_id, r.application_id, r.access_token_id, r.created, r.updated, r.revoked`

func scanToken(s scanner) (*store.AccessToken, error) {
	var t store.AccessToken
	var app, src, lastUsed sql.NullInt64
	var expires, created, modified int64
	if err := s.Scan(&t.ID, &t.UserID, &t.Digest, &app, &expires, &t.Scope, &t.Description,
		&lastUsed, &src, &created, &modified); err != nil {
		return nil, err
	}
	t.ApplicationID = fromNullInt(app)
	t.SourceRefreshTokenID = fromNullInt(src)
	t.LastUsed = fromNullMicro(lastUsed)
	t.Expires, t.Created, t.Modified = fromMicro(expires), fromMicro(created), fromMicro(modified)
	return &t, nil
}

func scanRefresh(s scanner) (*store.RefreshToken, error) {
	var r store.RefreshToken
	var at, revoked sql.NullInt64
	var created, updated int64
	if err := s.Scan(&r.ID, &r.Digest, &r.UserID, &r.ApplicationID, &at, &created, &updated, &revoked); err != nil {
		return nil, err
	}
	r.AccessTokenID = fromNullInt(at)
	r.Revoked = fromNullMicro(revoked)
	r.Created, r.Updated = fromMicro(created), fromMicro(updated)
	return &r, nil
}

// The token inserts run for every token created; the writer prepares them
// once (writerStmts).
const (
	insertTokenSQL = `INSERT INTO access_tokens (user_id, digest, application_id, expires, scope,
		description, last_used, source_refresh_token_id, created, modified) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`
	insertRefreshSQL = `INSERT INTO refresh_tokens (digest, user_id, application_id, access_token_id,
		created, updated, revoked) VALUES (?, ?, ?, ?, ?, ?, NULL)`
)

// insertToken stores t and, when r is non-nil, r linked to it.
func insertToken(ctx context.Context, tx *wtx, t *store.AccessToken, r *store.RefreshToken, now time.Time) error {
	if len(t.Digest) == 0 || (r != nil && len(r.Digest) == 0) {
		return errors.New("sqlite: create token: empty digest")
	}
	expires := truncTime(t.Expires)
	res, err := tx.ExecContext(ctx, insertTokenSQL,
		t.UserID, t.Digest, nullInt(t.ApplicationID), micro(expires), t.Scope, t.Description,
		nullInt(t.SourceRefreshTokenID), micro(now), micro(now))
	if err != nil {
		return tokenWriteErr(ctx, tx, t.UserID, t.ApplicationID, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return internal("create token", err)
	}
	t.ID, t.Expires, t.Created, t.Modified, t.LastUsed = id, expires, now, now, nil
	if r == nil {
		return nil
	}
	if r.UserID == 0 {
		r.UserID = t.UserID
	}
	if r.ApplicationID == 0 && t.ApplicationID != nil {
		r.ApplicationID = *t.ApplicationID
	}
	res, err = tx.ExecContext(ctx, insertRefreshSQL,
		r.Digest, r.UserID, r.ApplicationID, id, micro(now), micro(now))
	if err != nil {
		return tokenWriteErr(ctx, tx, r.UserID, &r.ApplicationID, err)
	}
	rid, err := res.LastInsertId()
	if err != nil {
		return internal("create refresh token", err)
	}
	r.ID, r.AccessTokenID, r.Created, r.Updated, r.Revoked = rid, &id, now, now, nil
	return nil
}

func tokenWriteErr(ctx context.Context, tx *wtx, userID int64, appID *int64, err error) error {
	switch {
	case uniqueOn(err, ".digest"):
		// 180 random bits make this a bug, not a user error; still no 500.
		return conflict("token", "A token with this value already exists.")
	case isForeignKey(err):
		var n int
		if e := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = ?`, userID).Scan(&n); e == nil && n == 0 {
			return store.NotFound(store.ModelUser)
		}
		if appID != nil {
			if e := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM applications WHERE id = ?`, *appID).Scan(&n); e == nil && n == 0 {
				return store.NotFound(store.ModelApplication)
			}
		}
	}
	return internal("create token", err)
}

// CreateAccessToken stores t and, when r is non-nil, its refresh token.
func (d *DB) CreateAccessToken(ctx context.Context, t *store.AccessToken, r *store.RefreshToken) error {
	return d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		return insertToken(ctx, tx, t, r, now)
	})
}

func (d *DB) AccessTokenByID(ctx context.Context, id int64) (*store.AccessToken, error) {
	return d.oneToken(ctx, `SELECT `+tokenCols+` FROM access_tokens t WHERE t.id = ?`, id)
}

// AccessTokenByDigest is the authentication hot path: a prepared statement
// on the unique digest index, on a reader connection.
func (d *DB) AccessTokenByDigest(ctx context.Context, digest []byte) (*store.AccessToken, error) {
	return d.oneToken(ctx, `SELECT `+tokenCols+` FROM access_tokens t WHERE t.digest = ?`, digest)
}

// AccessTokenWithUser reads the token, then its owner: two prepared
// lookups, not PostgreSQL's JOIN. SQLite runs in-process, so the second
// costs no round trip. And once ANALYZE has run, SQLite re-prepares the
// JOIN on every execution: its plan can depend on the bound digest (STAT4).
// With that, 1,000 or 20,000 tokens took 156-243 us of server CPU per
// unknown-token request against 53-76 us with these two lookups, in
// alternating suite runs (bench/NOTES.md).
func (d *DB) AccessTokenWithUser(ctx context.Context, digest []byte) (*store.AccessToken, *store.User, error) {
	t, err := d.AccessTokenByDigest(ctx, digest)
	if err != nil {
		return nil, nil, err
	}
	u, err := d.UserByID(ctx, t.UserID)
	if store.ErrorCode(err) == store.ENOTFOUND {
		// Deleted in between, and its tokens with it.
		return nil, nil, store.NotFound(store.ModelToken)
	}
	if err != nil {
		return nil, nil, err
	}
	return t, u, nil
}

func (d *DB) oneToken(ctx context.Context, q string, arg any) (*store.AccessToken, error) {
	return lookup(ctx, d, scanToken, store.ModelToken, "token", q, arg)
}

// tokenTx reads access token id inside a write transaction.
func tokenTx(ctx context.Context, tx *wtx, id int64) (*store.AccessToken, error) {
	return scanRow(tx.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM access_tokens t WHERE t.id = ?`, id),
		scanToken, store.ModelToken, "token")
}

func (d *DB) UpdateAccessToken(ctx context.Context, id int64, upd store.TokenUpdate) (*store.AccessToken, error) {
	return update(ctx, d, id, tokenTx, func(ctx context.Context, tx *wtx, t *store.AccessToken, now time.Time) error {
		set(&t.Description, upd.Description)
		set(&t.Scope, upd.Scope)
		t.Modified = now
		if _, err := tx.ExecContext(ctx, `UPDATE access_tokens SET description = ?, scope = ?, modified = ? WHERE id = ?`,
			t.Description, t.Scope, micro(now), id); err != nil {
			return internal("update token", err)
		}
		return nil
	})
}

// DeleteAccessToken deletes the token and revokes its refresh token, so the
// refresh token cannot mint a successor (a deliberate difference from AWX).
func (d *DB) DeleteAccessToken(ctx context.Context, id int64) error {
	return d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked = COALESCE(revoked, ?), updated = ?,
			access_token_id = NULL WHERE access_token_id = ?`, micro(now), micro(now), id); err != nil {
			return internal("revoke refresh token", err)
		}
		return execOne(ctx, tx, store.ModelToken, `DELETE FROM access_tokens WHERE id = ?`, id)
	})
}

func (d *DB) ListAccessTokens(ctx context.Context, q store.Query) ([]*store.AccessToken, int, error) {
	return list(ctx, d, sqlq.Select{Resource: store.TokenResource, Columns: tokenCols, Query: q}, scanToken)
}

// TouchAccessTokens records last_used for many tokens in one write; ids of
// deleted tokens are skipped and last_used never moves backwards.
func (d *DB) TouchAccessTokens(ctx context.Context, lastUsed map[int64]time.Time) error {
	if len(lastUsed) == 0 {
		return nil
	}
	return d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		st, err := tx.PrepareContext(ctx, `UPDATE access_tokens SET last_used = ?1
			WHERE id = ?2 AND (last_used IS NULL OR last_used < ?1)`)
		if err != nil {
			return internal("touch tokens", err)
		}
		defer st.Close()
		for id, at := range lastUsed {
			if _, err := st.ExecContext(ctx, micro(at), id); err != nil {
				return internal("touch tokens", err)
			}
		}
		return nil
	})
}

func (d *DB) RefreshTokenByDigest(ctx context.Context, digest []byte) (*store.RefreshToken, error) {
	return d.oneRefresh(ctx, `SELECT `+refreshCols+` FROM refresh_tokens r WHERE r.digest = ?`, digest)
}

func (d *DB) RefreshTokenByAccessToken(ctx context.Context, accessTokenID int64) (*store.RefreshToken, error) {
	return d.oneRefresh(ctx, `SELECT `+refreshCols+` FROM refresh_tokens r WHERE r.access_token_id = ?`, accessTokenID)
}

func (d *DB) oneRefresh(ctx context.Context, q string, arg any) (*store.RefreshToken, error) {
	return lookup(ctx, d, scanRefresh, store.ModelRefreshToken, "refresh token", q, arg)
}

// refreshTx reads refresh token id inside a write transaction.
func refreshTx(ctx context.Context, tx *wtx, id int64) (*store.RefreshToken, error) {
	return scanRow(tx.QueryRowContext(ctx, `SELECT `+refreshCols+` FROM refresh_tokens r WHERE r.id = ?`, id),
		scanRefresh, store.ModelRefreshToken, "refresh token")
}

// RotateRefreshToken uses the refresh token oldID once: it is revoked, its
// access token deleted and t and r stored, all in one transaction. The
// revocation is conditional on revoked IS NULL, so of two concurrent
// rotations exactly one wins and the other gets ECONFLICT.
func (d *DB) RotateRefreshToken(ctx context.Context, oldID int64, t *store.AccessToken, r *store.RefreshToken) error {
	return d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		old, err := refreshTx(ctx, tx, oldID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked = ?, updated = ?, access_token_id = NULL
			WHERE id = ? AND revoked IS NULL`, micro(now), micro(now), oldID)
		if err != nil {
			return internal("rotate refresh token", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &store.Error{Code: store.ECONFLICT, Message: "The refresh token has already been used."}
		}
		if old.AccessTokenID != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM access_tokens WHERE id = ?`, *old.AccessTokenID); err != nil {
				return internal("rotate refresh token", err)
			}
		}
		if t.UserID == 0 {
			t.UserID = old.UserID
		}
		if t.ApplicationID == nil {
			app := old.ApplicationID
			t.ApplicationID = &app
		}
		if t.SourceRefreshTokenID == nil {
			t.SourceRefreshTokenID = &oldID
		}
		if r.UserID == 0 {
			r.UserID = old.UserID
		}
		if r.ApplicationID == 0 {
			r.ApplicationID = old.ApplicationID
		}
		return insertToken(ctx, tx, t, r, now)
	})
}

// RevokeRefreshToken marks the refresh token revoked (once; later calls keep
// the first time) and deletes its access token.
func (d *DB) RevokeRefreshToken(ctx context.Context, id int64) error {
	return d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		old, err := refreshTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked = COALESCE(revoked, ?), updated = ?,
			access_token_id = NULL WHERE id = ?`, micro(now), micro(now), id); err != nil {
			return internal("revoke refresh token", err)
		}
		if old.AccessTokenID != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM access_tokens WHERE id = ?`, *old.AccessTokenID); err != nil {
				return internal("revoke refresh token", err)
			}
		}
		return nil
	})
}

// DeleteExpiredTokens deletes access tokens expired at now and, when
// refreshMaxAge > 0, refresh tokens older than it or revoked longer ago than
// it: both are useless then, since a refresh grant refuses tokens older than
// the refresh expiry.
func (d *DB) DeleteExpiredTokens(ctx context.Context, now time.Time, refreshMaxAge time.Duration) (access, refresh int, err error) {
	err = d.write(ctx, func(ctx context.Context, tx *wtx, _ time.Time) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM access_tokens WHERE expires <= ?`, micro(now))
		if err != nil {
			return internal("delete expired tokens", err)
		}
		n, _ := res.RowsAffected()
		access = int(n)
		if refreshMaxAge > 0 {
			cut := micro(now.Add(-refreshMaxAge))
			res, err := tx.ExecContext(ctx, `DELETE FROM refresh_tokens WHERE created < ? OR revoked < ?`, cut, cut)
			if err != nil {
				return internal("delete expired refresh tokens", err)
			}
			n, _ := res.RowsAffected()
			refresh = int(n)
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return access, refresh, nil
}

// DeleteUserTokens deletes the access tokens of userID (all users when nil),
// as awx-manage revoke_oauth2_tokens does; with revokeRefresh it also revokes
// their unrevoked refresh tokens (its --all). It returns how many access
// tokens it deleted.
func (d *DB) DeleteUserTokens(ctx context.Context, userID *int64, revokeRefresh bool) (int, error) {
	var deleted int
	err := d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		cond, args := "", []any{}
		if userID != nil {
			cond, args = " AND user_id = ?", []any{*userID}
		}
		if revokeRefresh {
			if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked = ?, updated = ?, access_token_id = NULL
				WHERE revoked IS NULL`+cond, append([]any{micro(now), micro(now)}, args...)...); err != nil {
				return internal("revoke refresh tokens", err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM access_tokens WHERE 1 = 1`+cond, args...)
		if err != nil {
			return internal("delete user tokens", err)
		}
		n, _ := res.RowsAffected()
		deleted = int(n)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return deleted, nil
}
