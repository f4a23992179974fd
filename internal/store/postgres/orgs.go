package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlq"
)

const orgCols = `o.id, o.name, o.description, o.max_hosts, o.created, o.modified`

func scanOrg(s scanner) (*store.Organization, error) {
	var o store.Organization
	if err := s.Scan(&o.ID, &o.Name, &o.Description, &o.MaxHosts, &o.Created, &o.Modified); err != nil {
		return nil, err
	}
	o.Created, o.Modified = utc(o.Created), utc(o.Modified)
	return &o, nil
}

func errOrgTaken() *store.Error {
	return conflict("name", "Organization with this Name already exists.")
}

// scanRole scans a row of `SELECT id, organization_id, name FROM roles`.
func scanRole(s scanner) (*store.Role, error) {
	var r store.Role
	var name string
	if err := s.Scan(&r.ID, &r.OrganizationID, &name); err != nil {
		return nil, err
	}
	r.Name = store.RoleName(name)
	return &r, nil
}

// roleOrder is the order OrganizationRoles returns.
var roleOrder = []store.RoleName{store.RoleAdmin, store.RoleMember, store.RoleAuditor}

// CreateOrganization stores o and its three roles in one transaction.
func (d *DB) CreateOrganization(ctx context.Context, o *store.Organization) error {
	return d.write(ctx, "create organization", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		if err := checkText(o.Name, o.Description); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO organizations (name, description, max_hosts, created, modified)
			VALUES ($1, $2, $3, $4, $4) RETURNING id`, o.Name, o.Description, o.MaxHosts, now).Scan(&id)
		if isUnique(err, "organizations_name_key") {
			return errOrgTaken()
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO roles (organization_id, name) VALUES ($1, 'admin'), ($1, 'member'), ($1, 'auditor')`, id); err != nil {
			return err
		}
		o.ID, o.Created, o.Modified = id, now, now
		return nil
	})
}

func (d *DB) OrganizationByID(ctx context.Context, id int64) (*store.Organization, error) {
	return d.oneOrg(ctx, `SELECT `+orgCols+` FROM organizations o WHERE o.id = $1`, id)
}

func (d *DB) OrganizationByName(ctx context.Context, name string) (*store.Organization, error) {
	if checkText(name) != nil {
		return nil, store.NotFound(store.ModelOrganization)
	}
	return d.oneOrg(ctx, `SELECT `+orgCols+` FROM organizations o WHERE o.name = $1`, name)
}

func (d *DB) oneOrg(ctx context.Context, q string, arg any) (*store.Organization, error) {
	return lookup(ctx, d, scanOrg, store.ModelOrganization, "organization", q, arg)
}

// orgForUpdate reads organization id in a write transaction, locking its
// row until the commit.
func orgForUpdate(ctx context.Context, tx pgx.Tx, id int64) (*store.Organization, error) {
	return scanRow(tx.QueryRow(ctx, `SELECT `+orgCols+` FROM organizations o WHERE o.id = $1 FOR UPDATE`, id), scanOrg, store.ModelOrganization)
}

func (d *DB) UpdateOrganization(ctx context.Context, id int64, upd store.OrganizationUpdate) (*store.Organization, error) {
	return update(ctx, d, "update organization", id, orgForUpdate, func(ctx context.Context, tx pgx.Tx, o *store.Organization, now time.Time) error {
		set(&o.Name, upd.Name)
		set(&o.Description, upd.Description)
		set(&o.MaxHosts, upd.MaxHosts)
		if err := checkText(o.Name, o.Description); err != nil {
			return err
		}
		o.Modified = now
		_, err := tx.Exec(ctx, `UPDATE organizations SET name = $1, description = $2, max_hosts = $3, modified = $4
			WHERE id = $5`, o.Name, o.Description, o.MaxHosts, now, id)
		if isUnique(err, "organizations_name_key") {
			return errOrgTaken()
		}
		if err != nil {
			return err
		}
		return nil
	})
}

// DeleteOrganization removes the organization; foreign keys cascade to its
// roles and memberships, its applications and their tokens.
func (d *DB) DeleteOrganization(ctx context.Context, id int64) error {
	return d.write(ctx, "delete organization", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		return execOne(ctx, tx, store.ModelOrganization, `DELETE FROM organizations WHERE id = $1`, id)
	})
}

func (d *DB) ListOrganizations(ctx context.Context, q store.Query) ([]*store.Organization, int, error) {
	return list(ctx, d, sqlq.Select{Resource: store.OrganizationResource, Columns: orgCols, Query: q}, scanOrg)
}

// OrganizationRoles returns the organization's roles: admin, member, auditor.
func (d *DB) OrganizationRoles(ctx context.Context, orgID int64) ([]store.Role, error) {
	byName := map[store.RoleName]store.Role{}
	err := d.read(ctx, func() error {
		clear(byName)
		rows, err := d.pool.Query(ctx, `SELECT id, organization_id, name FROM roles WHERE organization_id = $1`, orgID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRole(rows)
			if err != nil {
				return err
			}
			byName[r.Name] = *r
		}
		return rows.Err()
	})
	if err != nil {
		return nil, internal("organization roles", err)
	}
	if len(byName) == 0 {
		return nil, store.NotFound(store.ModelOrganization)
	}
	out := make([]store.Role, 0, len(roleOrder))
	for _, n := range roleOrder {
		if r, ok := byName[n]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func (d *DB) RoleByID(ctx context.Context, id int64) (*store.Role, error) {
	return lookup(ctx, d, scanRole, store.ModelRole, "role", `SELECT id, organization_id, name FROM roles WHERE id = $1`, id)
}

// GrantRole gives userID the role; granting it again changes nothing. The
// role and the user are checked first, in the order SQLite reports them.
func (d *DB) GrantRole(ctx context.Context, roleID, userID int64) error {
	return d.write(ctx, "grant role", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		if err := missingRoleOrUser(ctx, tx, roleID, userID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO role_members (role_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, roleID, userID)
		switch fkConstraint(err) {
		case "role_members_role_id_fkey": // deleted meanwhile
			return store.NotFound(store.ModelRole)
		case "role_members_user_id_fkey":
			return store.NotFound(store.ModelUser)
		}
		return err
	})
}

// RevokeRole takes the role from userID; revoking a role not held changes
// nothing, but a missing role or user is still NotFound.
func (d *DB) RevokeRole(ctx context.Context, roleID, userID int64) error {
	return d.write(ctx, "revoke role", func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		tag, err := tx.Exec(ctx, `DELETE FROM role_members WHERE role_id = $1 AND user_id = $2`, roleID, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() > 0 {
			return nil
		}
		return missingRoleOrUser(ctx, tx, roleID, userID)
	})
}

func missingRoleOrUser(ctx context.Context, tx pgx.Tx, roleID, userID int64) error {
	ok, err := exists(ctx, tx, `SELECT 1 FROM roles WHERE id = $1`, roleID)
	if err != nil {
		return err
	}
	if !ok {
		return store.NotFound(store.ModelRole)
	}
	ok, err = exists(ctx, tx, `SELECT 1 FROM users WHERE id = $1`, userID)
	if err != nil {
		return err
	}
	if !ok {
		return store.NotFound(store.ModelUser)
	}
	return nil
}

// UserMemberships lists the roles userID holds directly, by organization.
func (d *DB) UserMemberships(ctx context.Context, userID int64) ([]store.Membership, error) {
	var out []store.Membership
	err := d.read(ctx, func() error {
		out = []store.Membership{}
		rows, err := d.pool.Query(ctx, `SELECT r.organization_id, r.name, r.id FROM role_members rm
			JOIN roles r ON r.id = rm.role_id WHERE rm.user_id = $1 ORDER BY r.organization_id, r.id`, userID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m store.Membership
			var name string
			if err := rows.Scan(&m.OrganizationID, &name, &m.RoleID); err != nil {
				return err
			}
			m.Role = store.RoleName(name)
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, internal("user memberships", err)
	}
	return out, nil
}
