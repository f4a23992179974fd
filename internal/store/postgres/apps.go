package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlq"
)

const appCols = `a.id, a.name, a.description, a.client_id, a.client_secret_digest, a.client_type,
	a.authorization_grant_type, a.redirect_uris, a.skip_authorization, a.organization_id, a.user_id,
	a.created, a.modified`

func scanApp(s scanner) (*store.Application, error) {
	var a store.Application
	if err := s.Scan(&a.ID, &a.Name, &a.Description, &a.ClientID, &a.ClientSecretDigest, &a.ClientType,
		&a.AuthorizationGrantType, &a.RedirectURIs, &a.SkipAuthorization, &a.OrganizationID, &a.UserID,
		&a.Created, &a.Modified); err != nil {
		return nil, err
	}
	if len(a.ClientSecretDigest) == 0 {
		a.ClientSecretDigest = nil
	}
	a.Created, a.Modified = utc(a.Created), utc(a.Modified)
	return &a, nil
}

// appWriteErr maps a failed insert or update of an application. PostgreSQL
// names the violated constraint, so no second query (which the aborted
// transaction could not run anyway) is needed.
func appWriteErr(err error) error {
	switch {
	case isUnique(err, "applications_name_organization_id_key"):
		return conflict("__all__", "Application with this Name and Organization already exists.")
	case isUnique(err, "applications_client_id_key"):
		return conflict("client_id", "Application with this Client id already exists.")
	}
	switch fkConstraint(err) {
	case "applications_organization_id_fkey":
		return store.NotFound(store.ModelOrganization)
	case "applications_user_id_fkey":
		return store.NotFound(store.ModelUser)
	}
	return err
}

func digestArg(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func appText(a *store.Application) error {
	return checkText(a.Name, a.Description, a.ClientID, a.ClientType, a.AuthorizationGrantType, a.RedirectURIs)
}

// CreateApplication stores a; (name, organization) and client_id are unique.
func (d *DB) CreateApplication(ctx context.Context, a *store.Application) error {
	return d.write(ctx, "create application", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		if err := appText(a); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO applications (name, description, client_id,
			client_secret_digest, client_type, authorization_grant_type, redirect_uris, skip_authorization,
			organization_id, user_id, created, modified) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
			RETURNING id`,
			a.Name, a.Description, a.ClientID, digestArg(a.ClientSecretDigest), a.ClientType,
			a.AuthorizationGrantType, a.RedirectURIs, a.SkipAuthorization, a.OrganizationID,
			a.UserID, now).Scan(&id)
		if err != nil {
			return appWriteErr(err)
		}
		a.ID, a.Created, a.Modified = id, now, now
		return nil
	})
}

func (d *DB) ApplicationByID(ctx context.Context, id int64) (*store.Application, error) {
	return d.oneApp(ctx, `SELECT `+appCols+` FROM applications a WHERE a.id = $1`, id)
}

func (d *DB) ApplicationByClientID(ctx context.Context, clientID string) (*store.Application, error) {
	if checkText(clientID) != nil {
		return nil, store.NotFound(store.ModelApplication)
	}
	return d.oneApp(ctx, `SELECT `+appCols+` FROM applications a WHERE a.client_id = $1`, clientID)
}

func (d *DB) ApplicationByName(ctx context.Context, orgID int64, name string) (*store.Application, error) {
	if checkText(name) != nil {
		return nil, store.NotFound(store.ModelApplication)
	}
	return d.oneApp(ctx, `SELECT `+appCols+` FROM applications a WHERE a.organization_id = $1 AND a.name = $2`, orgID, name)
}

func (d *DB) oneApp(ctx context.Context, q string, args ...any) (*store.Application, error) {
	return lookup(ctx, d, scanApp, store.ModelApplication, "application", q, args...)
}

// appForUpdate reads application id in a write transaction, locking its
// row until the commit.
func appForUpdate(ctx context.Context, tx pgx.Tx, id int64) (*store.Application, error) {
	return scanRow(tx.QueryRow(ctx, `SELECT `+appCols+` FROM applications a WHERE a.id = $1 FOR UPDATE`, id), scanApp, store.ModelApplication)
}

func (d *DB) UpdateApplication(ctx context.Context, id int64, upd store.ApplicationUpdate) (*store.Application, error) {
	return update(ctx, d, "update application", id, appForUpdate, func(ctx context.Context, tx pgx.Tx, a *store.Application, now time.Time) error {
		set(&a.Name, upd.Name)
		set(&a.Description, upd.Description)
		set(&a.ClientType, upd.ClientType)
		set(&a.RedirectURIs, upd.RedirectURIs)
		set(&a.SkipAuthorization, upd.SkipAuthorization)
		set(&a.OrganizationID, upd.OrganizationID)
		if upd.ClientSecretDigest != nil {
			a.ClientSecretDigest = digestArg(upd.ClientSecretDigest)
		}
		if err := appText(a); err != nil {
			return err
		}
		a.Modified = now
		if _, err := tx.Exec(ctx, `UPDATE applications SET name = $1, description = $2,
			client_secret_digest = $3, client_type = $4, redirect_uris = $5, skip_authorization = $6,
			organization_id = $7, modified = $8 WHERE id = $9`,
			a.Name, a.Description, digestArg(a.ClientSecretDigest), a.ClientType, a.RedirectURIs,
			a.SkipAuthorization, a.OrganizationID, now, id); err != nil {
			return appWriteErr(err)
		}
		return nil
	})
}

// DeleteApplication removes the application; foreign keys cascade to its
// access and refresh tokens.
func (d *DB) DeleteApplication(ctx context.Context, id int64) error {
	return d.write(ctx, "delete application", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		return execOne(ctx, tx, store.ModelApplication, `DELETE FROM applications WHERE id = $1`, id)
	})
}

func (d *DB) ListApplications(ctx context.Context, q store.Query) ([]*store.Application, int, error) {
	return list(ctx, d, sqlq.Select{Resource: store.ApplicationResource, Columns: appCols, Query: q}, scanApp)
}
