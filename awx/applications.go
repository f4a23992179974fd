package awx

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strings"
)

// ApplicationsService handles OAuth2 applications: /api/v2/applications/ and
// /api/v2/organizations/{id}/applications/.
type ApplicationsService service

// ApplicationListOptions selects applications; Organization, when set, lists
// /api/v2/organizations/{N}/applications/.
type ApplicationListOptions struct {
	ListOptions
	Organization int64
}

func (o *ApplicationListOptions) path() (string, error) {
	if o == nil {
		return "applications/", nil
	}
	q := url.Values{}
	if err := o.ListOptions.values(q); err != nil {
		return "", err
	}
	if o.Organization != 0 {
		return withQuery(idPath("organizations/", o.Organization, "applications/"), q), nil
	}
	return withQuery("applications/", q), nil
}

// Get returns one application (a confidential one's secret censored).
//
// AWX API: GET /api/v2/applications/{id}/
func (s *ApplicationsService) Get(ctx context.Context, id int64) (*Application, *Response, error) {
	return getOne[Application](ctx, s.client, idPath("applications/", id, ""))
}

// GetByName returns the one application called name, or, for
// "NAME++ORGANIZATION" (AWX's named-URL form, "[+]" standing for a "+" inside
// a name), the one called NAME in that organization. No match wraps
// ErrNotFound; several (the same name in two organizations) wrap ErrAmbiguous.
//
// AWX API: GET /api/v2/applications/?name=NAME[&organization__name=ORG]
func (s *ApplicationsService) GetByName(ctx context.Context, name string) (*Application, *Response, error) {
	if name == "" {
		return nil, nil, errors.New("awx: no application name given")
	}
	q := url.Values{}
	if app, org, ok := strings.Cut(name, "++"); ok {
		q.Set("name", unescapePlus(app))
		q.Set("organization__name", unescapePlus(org))
	} else {
		q.Set("name", name)
	}
	return getByFilter[Application](ctx, s.client, "applications/", q, "application", name,
		"use the id or NAME++ORGANIZATION")
}

func unescapePlus(s string) string { return strings.ReplaceAll(s, "[+]", "+") }

// List returns one page of applications.
//
// AWX API: GET /api/v2/applications/, GET /api/v2/organizations/{id}/applications/
func (s *ApplicationsService) List(ctx context.Context, opts *ApplicationListOptions) ([]*Application, *Response, error) {
	path, err := opts.path()
	if err != nil {
		return nil, nil, err
	}
	return listPage[Application](ctx, s.client, path)
}

// All walks every page of the list from opts.Page to the end.
//
// AWX API: GET /api/v2/applications/ (and the lists of List)
func (s *ApplicationsService) All(ctx context.Context, opts *ApplicationListOptions) iter.Seq2[*Application, error] {
	path, err := opts.path()
	if err != nil {
		return func(yield func(*Application, error) bool) { yield(nil, err) }
	}
	return allPages[Application](ctx, s.client, path)
}

// Create creates an application; req needs Name, Organization, ClientType
// and AuthorizationGrantType. For a confidential application the answer holds
// the clear client secret: the only time it exists.
//
// AWX API: POST /api/v2/applications/
func (s *ApplicationsService) Create(ctx context.Context, req ApplicationRequest) (*Application, *Response, error) {
	return sendOne[Application](ctx, s.client, http.MethodPost, "applications/", req)
}

// Update changes the fields set in req (AWX ignores authorization_grant_type
// on update).
//
// AWX API: PATCH /api/v2/applications/{id}/
func (s *ApplicationsService) Update(ctx context.Context, id int64, req ApplicationRequest) (*Application, *Response, error) {
	return sendOne[Application](ctx, s.client, http.MethodPatch, idPath("applications/", id, ""), req)
}

// Delete removes an application and, with it, all its tokens.
//
// AWX API: DELETE /api/v2/applications/{id}/
func (s *ApplicationsService) Delete(ctx context.Context, id int64) (*Response, error) {
	return deletePath(ctx, s.client, idPath("applications/", id, ""))
}
