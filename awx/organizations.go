package awx

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
)

// OrganizationsService handles AWX organizations and their membership:
// /api/v2/organizations/.
type OrganizationsService service

// Get returns one organization.
//
// AWX API: GET /api/v2/organizations/{id}/
func (s *OrganizationsService) Get(ctx context.Context, id int64) (*Organization, *Response, error) {
	return getOne[Organization](ctx, s.client, idPath("organizations/", id, ""))
}

// GetByName returns the organization called name; none wraps ErrNotFound.
//
// AWX API: GET /api/v2/organizations/?name=NAME
func (s *OrganizationsService) GetByName(ctx context.Context, name string) (*Organization, *Response, error) {
	if name == "" {
		return nil, nil, errors.New("awx: no organization name given")
	}
	return getByFilter[Organization](ctx, s.client, "organizations/", url.Values{"name": {name}}, "organization", name, "use the id")
}

// List returns one page of organizations.
//
// AWX API: GET /api/v2/organizations/
func (s *OrganizationsService) List(ctx context.Context, opts *ListOptions) ([]*Organization, *Response, error) {
	path, err := listPath("organizations/", opts)
	if err != nil {
		return nil, nil, err
	}
	return listPage[Organization](ctx, s.client, path)
}

// All walks every page of the organization list from opts.Page to the end.
//
// AWX API: GET /api/v2/organizations/
func (s *OrganizationsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[*Organization, error] {
	path, err := listPath("organizations/", opts)
	if err != nil {
		return func(yield func(*Organization, error) bool) { yield(nil, err) }
	}
	return allPages[Organization](ctx, s.client, path)
}

// Create creates an organization (superusers only).
//
// AWX API: POST /api/v2/organizations/
func (s *OrganizationsService) Create(ctx context.Context, req OrganizationRequest) (*Organization, *Response, error) {
	return sendOne[Organization](ctx, s.client, http.MethodPost, "organizations/", req)
}

// Update changes the fields set in req.
//
// AWX API: PATCH /api/v2/organizations/{id}/
func (s *OrganizationsService) Update(ctx context.Context, id int64, req OrganizationRequest) (*Organization, *Response, error) {
	return sendOne[Organization](ctx, s.client, http.MethodPatch, idPath("organizations/", id, ""), req)
}

// Delete removes an organization and, with it, its applications.
//
// AWX API: DELETE /api/v2/organizations/{id}/
func (s *OrganizationsService) Delete(ctx context.Context, id int64) (*Response, error) {
	return deletePath(ctx, s.client, idPath("organizations/", id, ""))
}

// ListUsers returns one page of the organization's members.
//
// AWX API: GET /api/v2/organizations/{id}/users/
func (s *OrganizationsService) ListUsers(ctx context.Context, orgID int64, opts *ListOptions) ([]*User, *Response, error) {
	path, err := listPath(idPath("organizations/", orgID, "users/"), opts)
	if err != nil {
		return nil, nil, err
	}
	return listPage[User](ctx, s.client, path)
}

// ListAdmins returns one page of the organization's administrators.
//
// AWX API: GET /api/v2/organizations/{id}/admins/
func (s *OrganizationsService) ListAdmins(ctx context.Context, orgID int64, opts *ListOptions) ([]*User, *Response, error) {
	path, err := listPath(idPath("organizations/", orgID, "admins/"), opts)
	if err != nil {
		return nil, nil, err
	}
	return listPage[User](ctx, s.client, path)
}

// AddUser makes userID a member of the organization.
//
// AWX API: POST /api/v2/organizations/{id}/users/ {"id": userID}
func (s *OrganizationsService) AddUser(ctx context.Context, orgID, userID int64) (*Response, error) {
	return s.associate(ctx, orgID, "users/", Association{ID: userID})
}

// RemoveUser removes userID from the organization's members.
//
// AWX API: POST /api/v2/organizations/{id}/users/ {"id": userID, "disassociate": true}
func (s *OrganizationsService) RemoveUser(ctx context.Context, orgID, userID int64) (*Response, error) {
	return s.associate(ctx, orgID, "users/", Association{ID: userID, Disassociate: true})
}

// AddAdmin makes userID an administrator of the organization.
//
// AWX API: POST /api/v2/organizations/{id}/admins/ {"id": userID}
func (s *OrganizationsService) AddAdmin(ctx context.Context, orgID, userID int64) (*Response, error) {
	return s.associate(ctx, orgID, "admins/", Association{ID: userID})
}

// RemoveAdmin takes the administrator role of the organization from userID.
//
// AWX API: POST /api/v2/organizations/{id}/admins/ {"id": userID, "disassociate": true}
func (s *OrganizationsService) RemoveAdmin(ctx context.Context, orgID, userID int64) (*Response, error) {
	return s.associate(ctx, orgID, "admins/", Association{ID: userID, Disassociate: true})
}

func (s *OrganizationsService) associate(ctx context.Context, orgID int64, sub string, a Association) (*Response, error) {
	req, err := s.client.NewRequest(ctx, http.MethodPost, idPath("organizations/", orgID, sub), a)
	if err != nil {
		return nil, err
	}
	return s.client.Do(req, nil)
}
