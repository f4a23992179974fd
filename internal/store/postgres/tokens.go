package postgres

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlq"
)

const tokenCols = `t.id, t.user_id, t.digest, t.application_id, t.expires, t.scope, t.description,
	t.last_used, t.source_refresh_token_id, t.created, t.modified`

const refreshCols = `r.id, r.digest, r.user_id, r.application_id, r.access_token_id, r.created, r.updated, r.revoked`

func scanToken(s scanner) (*store.AccessToken, error) {
	var t store.AccessToken
	if err := s.Scan(&t.ID, &t.UserID, &t.Digest, &t.ApplicationID, &t.Expires, &t.Scope, &t.Description,
		&t.LastUsed, &t.SourceRefreshTokenID, &t.Created, &t.Modified); err != nil {
		return nil, err
	}
	t.LastUsed = utcPtr(t.LastUsed)
	t.Expires, t.Created, t.Modified = utc(t.Expires), utc(t.Created), utc(t.Modified)
	return &t, nil
}

func scanRefresh(s scanner) (*store.RefreshToken, error) {
	var r store.RefreshToken
	if err := s.Scan(&r.ID, &r.Digest, &r.UserID, &r.ApplicationID, &r.AccessTokenID, &r.Created, &r.Updated, &r.Revoked); err != nil {
		return nil, err
	}
	r.Revoked = utcPtr(r.Revoked)
	r.Created, r.Updated = utc(r.Created), utc(r.Updated)
	return &r, nil
}

// insertToken stores t and, when r is non-nil, r linked to it.
func insertToken(ctx context.Context, tx pgx.Tx, t *store.AccessToken, r *store.RefreshToken, now time.Time) error {
	if len(t.Digest) == 0 || (r != nil && len(r.Digest) == 0) {
		return errors.New("postgres: create token: empty digest")
	}
	if err := checkText(t.Scope, t.Description); err != nil {
		return err
	}
	expires := truncTime(t.Expires)
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO access_tokens (user_id, digest, application_id, expires, scope,
		description, last_used, source_refresh_token_id, created, modified)
		VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $8) RETURNING id`,
		t.UserID, t.Digest, t.ApplicationID, expires, t.Scope, t.Description, t.SourceRefreshTokenID, now).Scan(&id)
	if err != nil {
		return tokenWriteErr(err)
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
	var rid int64
	err = tx.QueryRow(ctx, `INSERT INTO refresh_tokens (digest, user_id, application_id, access_token_id,
		created, updated, revoked) VALUES ($1, $2, $3, $4, $5, $5, NULL) RETURNING id`,
		r.Digest, r.UserID, r.ApplicationID, id, now).Scan(&rid)
	if err != nil {
		return tokenWriteErr(err)
	}
	r.ID, r.AccessTokenID, r.Created, r.Updated, r.Revoked = rid, &id, now, now, nil
	return nil
}

func tokenWriteErr(err error) error {
	if isUnique(err, "access_tokens_digest_key") || isUnique(err, "refresh_tokens_digest_key") {
		// 180 random bits make this a bug, not a user error; still no 500.
		return conflict("token", "A token with this value already exists.")
	}
	switch fkConstraint(err) {
	case "access_tokens_user_id_fkey", "refresh_tokens_user_id_fkey":
		return store.NotFound(store.ModelUser)
	case "access_tokens_application_id_fkey", "refresh_tokens_application_id_fkey":
		return store.NotFound(store.ModelApplication)
	case "access_tokens_source_refresh_token_id_fkey":
		return store.NotFound(store.ModelRefreshToken)
	}
	return err
}

// CreateAccessToken stores t and, when r is non-nil, its refresh token.
func (d *DB) CreateAccessToken(ctx context.Context, t *store.AccessToken, r *store.RefreshToken) error {
	return d.write(ctx, "create token", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		return insertToken(ctx, tx, t, r, now)
	})
}

func (d *DB) AccessTokenByID(ctx context.Context, id int64) (*store.AccessToken, error) {
	return d.oneToken(ctx, `SELECT `+tokenCols+` FROM access_tokens t WHERE t.id = $1`, id)
}

// AccessTokenByDigest is the authentication hot path: one query on the
// unique digest index, a statement pgx prepares once per connection.
func (d *DB) AccessTokenByDigest(ctx context.Context, digest []byte) (*store.AccessToken, error) {
	return d.oneToken(ctx, `SELECT `+tokenCols+` FROM access_tokens t WHERE t.digest = $1`, digest)
}

// AccessTokenWithUser reads the token and its owner in one round trip.
func (d *DB) AccessTokenWithUser(ctx context.Context, digest []byte) (*store.AccessToken, *store.User, error) {
	j, err := lookup(ctx, d, sqlq.JoinScan(scanToken, scanUser), store.ModelToken, "token",
		`SELECT `+tokenCols+`, `+userCols+` FROM access_tokens t JOIN users u ON u.id = t.user_id WHERE t.digest = $1`, digest)
	return j.First, j.Second, err
}

func (d *DB) oneToken(ctx context.Context, q string, arg any) (*store.AccessToken, error) {
	return lookup(ctx, d, scanToken, store.ModelToken, "token", q, arg)
}

// tokenForUpdate reads access token id in a write transaction, locking its
// row until the commit.
func tokenForUpdate(ctx context.Context, tx pgx.Tx, id int64) (*store.AccessToken, error) {
	return scanRow(tx.QueryRow(ctx, `SELECT `+tokenCols+` FROM access_tokens t WHERE t.id = $1 FOR UPDATE`, id), scanToken, store.ModelToken)
}

func (d *DB) UpdateAccessToken(ctx context.Context, id int64, upd store.TokenUpdate) (*store.AccessToken, error) {
	return update(ctx, d, "update token", id, tokenForUpdate, func(ctx context.Context, tx pgx.Tx, t *store.AccessToken, now time.Time) error {
		set(&t.Description, upd.Description)
		set(&t.Scope, upd.Scope)
		if err := checkText(t.Scope, t.Description); err != nil {
			return err
		}
		t.Modified = now
		if _, err := tx.Exec(ctx, `UPDATE access_tokens SET description = $1, scope = $2, modified = $3 WHERE id = $4`,
			t.Description, t.Scope, now, id); err != nil {
			return err
		}
		return nil
	})
}

// DeleteAccessToken deletes the token and revokes its refresh token, so the
// refresh token cannot mint a successor (a deliberate difference from AWX).
func (d *DB) DeleteAccessToken(ctx context.Context, id int64) error {
	return d.write(ctx, "delete token", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		if _, err := tx.Exec(ctx, `UPDATE refresh_tokens SET revoked = COALESCE(revoked, $1), updated = $1,
			access_token_id = NULL WHERE access_token_id = $2`, now, id); err != nil {
			return err
		}
		return execOne(ctx, tx, store.ModelToken, `DELETE FROM access_tokens WHERE id = $1`, id)
	})
}

func (d *DB) ListAccessTokens(ctx context.Context, q store.Query) ([]*store.AccessToken, int, error) {
	return list(ctx, d, sqlq.Select{Resource: store.TokenResource, Columns: tokenCols, Query: q}, scanToken)
}

// TouchAccessTokens records last_used for many tokens in one statement;
// ids of deleted tokens are skipped and last_used never moves backwards.
// The rows are locked in id order so that replicas flushing overlapping
// batches at once cannot deadlock.
func (d *DB) TouchAccessTokens(ctx context.Context, lastUsed map[int64]time.Time) error {
	if len(lastUsed) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(lastUsed))
	for id := range lastUsed {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	ats := make([]time.Time, len(ids))
	for i, id := range ids {
		ats[i] = truncTime(lastUsed[id])
	}
	return d.write(ctx, "touch tokens", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		_, err := tx.Exec(ctx, `WITH v AS (SELECT * FROM unnest($1::bigint[], $2::timestamptz[]) AS v(id, at)),
			locked AS (SELECT t.id FROM access_tokens t JOIN v ON v.id = t.id
				WHERE t.last_used IS NULL OR t.last_used < v.at ORDER BY t.id FOR UPDATE OF t)
			UPDATE access_tokens t SET last_used = v.at FROM v, locked
			WHERE t.id = v.id AND t.id = locked.id AND (t.last_used IS NULL OR t.last_used < v.at)`, ids, ats)
		return err
	})
}

func (d *DB) RefreshTokenByDigest(ctx context.Context, digest []byte) (*store.RefreshToken, error) {
	return d.oneRefresh(ctx, `SELECT `+refreshCols+` FROM refresh_tokens r WHERE r.digest = $1`, digest)
}

func (d *DB) RefreshTokenByAccessToken(ctx context.Context, accessTokenID int64) (*store.RefreshToken, error) {
	return d.oneRefresh(ctx, `SELECT `+refreshCols+` FROM refresh_tokens r WHERE r.access_token_id = $1`, accessTokenID)
}

func (d *DB) oneRefresh(ctx context.Context, q string, arg any) (*store.RefreshToken, error) {
	return lookup(ctx, d, scanRefresh, store.ModelRefreshToken, "refresh token", q, arg)
}

// RotateRefreshToken uses the refresh token oldID once: it is revoked, its
// access token deleted and t and r stored, all in one transaction. The
// refresh token's row is locked first: of concurrent rotations (on any
// replicas) the first takes the lock, the others wait, then read the row
// as the first committed it, find it revoked and get ECONFLICT.
func (d *DB) RotateRefreshToken(ctx context.Context, oldID int64, t *store.AccessToken, r *store.RefreshToken) error {
	return d.write(ctx, "rotate refresh token", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		var userID, appID int64
		var oldAccess *int64
		var revoked *time.Time
		// FOR UPDATE waits for a concurrent rotation and then reads the row
		// as it committed it.
		err := tx.QueryRow(ctx, `SELECT user_id, application_id, access_token_id, revoked FROM refresh_tokens
			WHERE id = $1 FOR UPDATE`, oldID).Scan(&userID, &appID, &oldAccess, &revoked)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.NotFound(store.ModelRefreshToken)
		}
		if err != nil {
			return err
		}
		if revoked != nil {
			return &store.Error{Code: store.ECONFLICT, Message: "The refresh token has already been used."}
		}
		if _, err := tx.Exec(ctx, `UPDATE refresh_tokens SET revoked = $1, updated = $1, access_token_id = NULL
			WHERE id = $2`, now, oldID); err != nil {
			return err
		}
		if oldAccess != nil {
			if _, err := tx.Exec(ctx, `DELETE FROM access_tokens WHERE id = $1`, *oldAccess); err != nil {
				return err
			}
		}
		if t.UserID == 0 {
			t.UserID = userID
		}
		if t.ApplicationID == nil {
			app := appID
			t.ApplicationID = &app
		}
		if t.SourceRefreshTokenID == nil {
			src := oldID
			t.SourceRefreshTokenID = &src
		}
		if r.UserID == 0 {
			r.UserID = userID
		}
		if r.ApplicationID == 0 {
			r.ApplicationID = appID
		}
		return insertToken(ctx, tx, t, r, now)
	})
}

// RevokeRefreshToken marks the refresh token revoked (once; later calls keep
// the first time) and deletes its access token.
func (d *DB) RevokeRefreshToken(ctx context.Context, id int64) error {
	return d.write(ctx, "revoke refresh token", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		var oldAccess *int64
		err := tx.QueryRow(ctx, `SELECT access_token_id FROM refresh_tokens WHERE id = $1 FOR UPDATE`, id).Scan(&oldAccess)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.NotFound(store.ModelRefreshToken)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE refresh_tokens SET revoked = COALESCE(revoked, $1), updated = $1,
			access_token_id = NULL WHERE id = $2`, now, id); err != nil {
			return err
		}
		if oldAccess != nil {
			if _, err := tx.Exec(ctx, `DELETE FROM access_tokens WHERE id = $1`, *oldAccess); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteExpiredTokens deletes access tokens expired at now and, when
// refreshMaxAge > 0, refresh tokens older than it or revoked longer ago than
// it. Replicas may run it at the same time: each row is deleted once and
// the counts add up.
func (d *DB) DeleteExpiredTokens(ctx context.Context, now time.Time, refreshMaxAge time.Duration) (access, refresh int, err error) {
	err = d.write(ctx, "delete expired tokens", func(ctx context.Context, tx pgx.Tx, _ time.Time) error {
		tag, err := tx.Exec(ctx, `DELETE FROM access_tokens WHERE expires <= $1`, truncTime(now))
		if err != nil {
			return err
		}
		access = int(tag.RowsAffected())
		refresh = 0
		if refreshMaxAge > 0 {
			cut := truncTime(now.Add(-refreshMaxAge))
			tag, err := tx.Exec(ctx, `DELETE FROM refresh_tokens WHERE created < $1 OR revoked < $1`, cut)
			if err != nil {
				return err
			}
			refresh = int(tag.RowsAffected())
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
	err := d.write(ctx, "delete user tokens", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		if revokeRefresh {
			if _, err := tx.Exec(ctx, `UPDATE refresh_tokens SET revoked = $1, updated = $1, access_token_id = NULL
				WHERE revoked IS NULL AND ($2::bigint IS NULL OR user_id = $2)`, now, userID); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `DELETE FROM access_tokens WHERE $1::bigint IS NULL OR user_id = $1`, userID)
		if err != nil {
			return err
		}
		deleted = int(tag.RowsAffected())
		return nil
	})
	if err != nil {
		return 0, err
	}
	return deleted, nil
}
