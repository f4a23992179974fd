package sqlite

import (
	"context"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlq"
)

const orgCols = `o.id, o.name, o.description, o.max_hosts, o.created, o.modified`

func scanOrg(s scanner) (*store.Organization, error) {
	var o store.Organization
	var created, modified int64
	if err := s.Scan(&o.ID, &o.Name, &o.Description, &o.MaxHosts, &created, &modified); err != nil {
		return nil, err
	}
	o.Created, o.Modified = fromMicro(created), fromMicro(modified)
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
	return d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO organizations (name, description, max_hosts, created, modified)
			VALUES (?, ?, ?, ?, ?)`, o.Name, o.Description, o.MaxHosts, micro(now), micro(now))
		if err != nil {
			if uniqueOn(err, "organizations.name") {
				return errOrgTaken()
			}
			return internal("create organization", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return internal("create organization", err)
		}
		for _, r := range roleOrder {
			if _, err := tx.ExecContext(ctx, `INSERT INTO roles (organization_id, name) VALUES (?, ?)`, id, string(r)); err != nil {
				return internal("create organization roles", err)
			}
		}
		o.ID, o.Created, o.Modified = id, now, now
		return nil
	})
}

func (d *DB) OrganizationByID(ctx context.Context, id int64) (*store.Organization, error) {
	return d.oneOrg(ctx, `SELECT `+orgCols+` FROM organizations o WHERE o.id = ?`, id)
}

func (d *DB) OrganizationByName(ctx context.Context, name string) (*store.Organization, error) {
	return d.oneOrg(ctx, `SELECT `+orgCols+` FROM organizations o WHERE o.name = ?`, name)
}

func (d *DB) oneOrg(ctx context.Context, q string, arg any) (*store.Organization, error) {
	return lookup(ctx, d, scanOrg, store.ModelOrganization, "organization", q, arg)
}

// orgTx reads organization id inside a write transaction.
func orgTx(ctx context.Context, tx *wtx, id int64) (*store.Organization, error) {
	return scanRow(tx.QueryRowContext(ctx, `SELECT `+orgCols+` FROM organizations o WHERE o.id = ?`, id),
		scanOrg, store.ModelOrganization, "organization")
}

func (d *DB) UpdateOrganization(ctx context.Context, id int64, upd store.OrganizationUpdate) (*store.Organization, error) {
	return update(ctx, d, id, orgTx, func(ctx context.Context, tx *wtx, o *store.Organization, now time.Time) error {
		set(&o.Name, upd.Name)
		set(&o.Description, upd.Description)
		set(&o.MaxHosts, upd.MaxHosts)
		o.Modified = now
		if _, err := tx.ExecContext(ctx, `UPDATE organizations SET name = ?, description = ?, max_hosts = ?, modified = ?
			WHERE id = ?`, o.Name, o.Description, o.MaxHosts, micro(now), id); err != nil {
			if uniqueOn(err, "organizations.name") {
				return errOrgTaken()
			}
			return internal("update organization", err)
		}
		return nil
	})
}

// DeleteOrganization removes the organization; foreign keys cascade to its
// roles and memberships, its applications and their tokens.
func (d *DB) DeleteOrganization(ctx context.Context, id int64) error {
	return d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		return execOne(ctx, tx, store.ModelOrganization, `DELETE FROM organizations WHERE id = ?`, id)
	})
}

func (d *DB) ListOrganizations(ctx context.Context, q store.Query) ([]*store.Organization, int, error) {
	return list(ctx, d, sqlq.Select{Resource: store.OrganizationResource, Columns: orgCols, Query: q}, scanOrg)
}

// OrganizationRoles returns the organization's roles: admin, member, auditor.
func (d *DB) OrganizationRoles(ctx context.Context, orgID int64) ([]store.Role, error) {
	s, err := d.stmt(ctx, `SELECT id, organization_id, name FROM roles WHERE organization_id = ?`)
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(ctx, orgID)
	if err != nil {
		return nil, internal("organization roles", err)
	}
	defer rows.Close()
	byName := map[store.RoleName]store.Role{}
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, internal("organization roles", err)
		}
		byName[r.Name] = *r
	}
	if err := rows.Err(); err != nil {
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
	return lookup(ctx, d, scanRole, store.ModelRole, "role", `SELECT id, organization_id, name FROM roles WHERE id = ?`, id)
}

// GrantRole gives userID the role; granting it again changes nothing.
func (d *DB) GrantRole(ctx context.Context, roleID, userID int64) error {
	return d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO role_members (role_id, user_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, roleID, userID)
		if err == nil {
			return nil
		}
		if isForeignKey(err) {
			return missingRoleOrUser(ctx, tx, roleID, userID)
		}
		return internal("grant role", err)
	})
}

// RevokeRole takes the role from userID; revoking a role not held changes
// nothing, but a missing role or user is still NotFound.
func (d *DB) RevokeRole(ctx context.Context, roleID, userID int64) error {
	return d.write(ctx, func(ctx context.Context, tx *wtx, now time.Time) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM role_members WHERE role_id = ? AND user_id = ?`, roleID, userID)
		if err != nil {
			return internal("revoke role", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		return missingRoleOrUser(ctx, tx, roleID, userID)
	})
}

func missingRoleOrUser(ctx context.Context, tx *wtx, roleID, userID int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM roles WHERE id = ?`, roleID).Scan(&n); err != nil {
		return internal("check role", err)
	}
	if n == 0 {
		return store.NotFound(store.ModelRole)
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = ?`, userID).Scan(&n); err != nil {
		return internal("check user", err)
	}
	if n == 0 {
		return store.NotFound(store.ModelUser)
	}
	return nil
}

// UserMemberships lists the roles userID holds directly, by organization.
func (d *DB) UserMemberships(ctx context.Context, userID int64) ([]store.Membership, error) {
	s, err := d.stmt(ctx, `SELECT r.organization_id, r.name, r.id FROM role_members rm
		JOIN roles r ON r.id = rm.role_id WHERE rm.user_id = ? ORDER BY r.organization_id, r.id`)
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(ctx, userID)
	if err != nil {
		return nil, internal("user memberships", err)
	}
	defer rows.Close()
	out := []store.Membership{}
	for rows.Next() {
		var m store.Membership
		var name string
		if err := rows.Scan(&m.OrganizationID, &name, &m.RoleID); err != nil {
			return nil, internal("user memberships", err)
		}
		m.Role = store.RoleName(name)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("user memberships", err)
	}
	return out, nil
}
