package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlq"
)

const appCols = `a.id, a.name, a.description, a.client_id, a.client_secret_digest, a.client_type,
	a.authorization_grant_type, a.redirect_uris, a.skip_authorization, a.organization_id, a.user_id,
	a.created, a.modified`

func scanApp(s scanner) (*store.Application, error) {
	var a store.Application
	var userID sql.NullInt64
	var created, modified int64
	if err := s.Scan(&a.ID, &a.Name, &a.Description, &a.ClientID, &a.ClientSecretDigest, &a.ClientType,
		&a.AuthorizationGrantType, &a.RedirectURIs, &a.SkipAuthorization, &a.OrganizationID, &userID,
		&created, &modified); err != nil {
		return nil, err
	}
	if len(a.ClientSecretDigest) == 0 {
		a.ClientSecretDigest = nil
	}
	a.UserID = fromNullInt(userID)
	a.Created, a.Modified = fromMicro(created), fromMicro(modified)
	return &a, nil
}

// appWriteErr maps a failed insert or update of an application.
func appWriteErr(ctx context.Context, tx *wtx, a *store.Application, op string, err error) error {
	switch {
	case uniqueOn(err, "applications.name"):
		return conflict("__all__", "Application with this Name and Organization already exists.")
	case uniqueOn(err, "applications.client_id"):
		return conflict("client_id", "Application with this Client id already exists.")
	case isForeignKey(err):
		var n int
		if e := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations WHERE id = ?`, a.OrganizationID).Scan(&n); e == nil && n == 0 {
			return store.NotFound(store.ModelOrganization)
		}
		if a.UserID != nil {
			return store.NotFound(store.ModelUser)
		}
	}
	return internal(op, err)
}

func digestArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// CreateApplication stores a; (name, organization) and client_id are unique.
func (d *DB) CreateApplication(ctx context.Context, a *store.Application) error {
	return d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO applications (name, description, client_id,
			client_secret_digest, client_type, authorization_grant_type, redirect_uris, skip_authorization,
			organization_id, user_id, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Name, a.Description, a.ClientID, digestArg(a.ClientSecretDigest), a.ClientType,
			a.AuthorizationGrantType, a.RedirectURIs, b2i(a.SkipAuthorization), a.OrganizationID,
			nullInt(a.UserID), micro(now), micro(now))
		if err != nil {
			return appWriteErr(ctx, tx, a, "create application", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return internal("create application", err)
		}
		a.ID, a.Created, a.Modified = id, now, now
		return nil
	})
}

func (d *DB) ApplicationByID(ctx context.Context, id int64) (*store.Application, error) {
	return d.oneApp(ctx, `SELECT `+appCols+` FROM applications a WHERE a.id = ?`, id)
}

func (d *DB) ApplicationByClientID(ctx context.Context, clientID string) (*store.Application, error) {
	return d.oneApp(ctx, `SELECT `+appCols+` FROM applications a WHERE a.client_id = ?`, clientID)
}

func (d *DB) ApplicationByName(ctx context.Context, orgID int64, name string) (*store.Application, error) {
	return d.oneApp(ctx, `SELECT `+appCols+` FROM applications a WHERE a.organization_id = ? AND a.name = ?`, orgID, name)
}

func (d *DB) oneApp(ctx context.Context, q string, args ...any) (*store.Application, error) {
	return lookup(ctx, d, scanApp, store.ModelApplication, "application", q, args...)
}

// appTx reads application id inside a write transaction.
func appTx(ctx context.Context, tx *wtx, id int64) (*store.Application, error) {
	return scanRow(tx.QueryRowContext(ctx, `SELECT `+appCols+` FROM applications a WHERE a.id = ?`, id),
		scanApp, store.ModelApplication, "application")
}

func (d *DB) UpdateApplication(ctx context.Context, id int64, upd store.ApplicationUpdate) (*store.Application, error) {
	return update(ctx, d, id, appTx, func(ctx context.Context, tx *wtx, a *store.Application, now time.Time) error {
		set(&a.Name, upd.Name)
		set(&a.Description, upd.Description)
		set(&a.ClientType, upd.ClientType)
		set(&a.RedirectURIs, upd.RedirectURIs)
		set(&a.SkipAuthorization, upd.SkipAuthorization)
		set(&a.OrganizationID, upd.OrganizationID)
		if upd.ClientSecretDigest != nil {
			a.ClientSecretDigest = upd.ClientSecretDigest
			if len(a.ClientSecretDigest) == 0 {
				a.ClientSecretDigest = nil
			}
		}
		a.Modified = now
		if _, err := tx.ExecContext(ctx, `UPDATE applications SET name = ?, description = ?,
			client_secret_digest = ?, client_type = ?, redirect_uris = ?, skip_authorization = ?,
			organization_id = ?, modified = ? WHERE id = ?`,
			a.Name, a.Description, digestArg(a.ClientSecretDigest), a.ClientType, a.RedirectURIs,
			b2i(a.SkipAuthorization), a.OrganizationID, micro(now), id); err != nil {
			return appWriteErr(ctx, tx, a, "update application", err)
		}
		return nil
	})
}

// DeleteApplication removes the application; foreign keys cascade to its
// access and refresh tokens.
func (d *DB) DeleteApplication(ctx context.Context, id int64) error {
	return d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		return execOne(ctx, tx, store.ModelApplication, `DELETE FROM applications WHERE id = ?`, id)
	})
}

func (d *DB) ListApplications(ctx context.Context, q store.Query) ([]*store.Application, int, error) {
	return list(ctx, d, sqlq.Select{Resource: store.ApplicationResource, Columns: appCols, Query: q}, scanApp)
}
