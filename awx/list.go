package awx

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// MaxPageSize is the largest page AWX serves (MAX_PAGE_SIZE).
const MaxPageSize = 200

// ListOptions are the query parameters every AWX list accepts. Zero values
// are not sent, so AWX's defaults apply (page 1, 25 per page, its order).
type ListOptions struct {
	Page     int    // 1-based page number
	PageSize int    // objects per page, at most MaxPageSize
	Search   string // AWX's search= (description, or name and description)
	OrderBy  string // comma-separated fields, "-" prefix for descending
	// Filters are raw "key=value" filters, as AWX takes them in the query:
	// "user__username=alice", "not__application=null", "id__in=1,2".
	Filters []string
}

// values encodes the options into q.
func (o *ListOptions) values(q url.Values) error {
	if o == nil {
		return nil
	}
	for _, f := range o.Filters {
		k, v, ok := strings.Cut(f, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return fmt.Errorf("awx: filter %q is not of the form key=value", f)
		}
		q.Add(strings.TrimSpace(k), v)
	}
	if o.Page > 0 {
		q.Set("page", strconv.Itoa(o.Page))
	}
	if o.PageSize > 0 {
		q.Set("page_size", strconv.Itoa(o.PageSize))
	}
	if o.Search != "" {
		q.Set("search", o.Search)
	}
	if o.OrderBy != "" {
		q.Set("order_by", o.OrderBy)
	}
	return nil
}

// encodeQuery is url.Values.Encode (keys sorted, as in AWX's own links) that
// leaves commas readable: "id__in=1,2,3" rather than "id__in=1%2C2%2C3".
// Both mean the same to AWX; the readable form is what -v prints.
func encodeQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(queryEscape(k))
			b.WriteByte('=')
			b.WriteString(queryEscape(v))
		}
	}
	return b.String()
}

func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "%2C", ",")
}

// withQuery appends the encoded query to path.
func withQuery(path string, q url.Values) string {
	if enc := encodeQuery(q); enc != "" {
		return path + "?" + enc
	}
	return path
}

// listPage fetches one page of a list.
func listPage[T any](ctx context.Context, c *Client, path string) ([]*T, *Response, error) {
	req, err := c.NewRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, nil, err
	}
	var page Page[*T]
	resp, err := c.Do(req, &page)
	if err != nil {
		return nil, resp, err
	}
	return page.Results, resp, nil
}

// allPages walks a list from path to its last page, following AWX's next
// links. It stops at the first error, which it yields.
func allPages[T any](ctx context.Context, c *Client, path string) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		seen := map[string]bool{}
		for path != "" {
			// Compare resolved URLs: the first path is relative, the
			// server's links are absolute paths.
			if u, err := c.resolve(path); err == nil {
				if seen[u.String()] {
					yield(nil, fmt.Errorf("awx: the server's next link %s repeats a page already read", path))
					return
				}
				seen[u.String()] = true
			}
			items, resp, err := listPage[T](ctx, c, path)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			path = resp.Next
		}
	}
}

// getOne fetches and decodes one object.
func getOne[T any](ctx context.Context, c *Client, path string) (*T, *Response, error) {
	return sendOne[T](ctx, c, http.MethodGet, path, nil)
}

// sendOne sends body and decodes the object AWX answers with.
func sendOne[T any](ctx context.Context, c *Client, method, path string, body any) (*T, *Response, error) {
	req, err := c.NewRequest(ctx, method, path, body)
	if err != nil {
		return nil, nil, err
	}
	v := new(T)
	resp, err := c.Do(req, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}

// deletePath sends a DELETE and expects AWX's 204.
func deletePath(ctx context.Context, c *Client, path string) (*Response, error) {
	req, err := c.NewRequest(ctx, http.MethodDelete, path, nil)
	if err != nil {
		return nil, err
	}
	return c.Do(req, nil)
}

// nameError is the not-found or ambiguous answer of a GetByName.
type nameError struct {
	msg      string
	sentinel error
}

func (e *nameError) Error() string { return e.msg }
func (e *nameError) Unwrap() error { return e.sentinel }

// getByFilter returns the single object of the list at path matching q;
// kind names the object in messages ("application", "user").
func getByFilter[T any](ctx context.Context, c *Client, path string, q url.Values, kind, name, hint string) (*T, *Response, error) {
	// Two are enough to tell "one" from "several"; Count gives the total.
	q.Set("page_size", "2")
	items, resp, err := listPage[T](ctx, c, withQuery(path, q))
	if err != nil {
		return nil, resp, err
	}
	n := resp.Count
	if n < len(items) {
		n = len(items)
	}
	switch {
	case n == 0:
		return nil, resp, &nameError{fmt.Sprintf("awx: no %s named %q", kind, name), ErrNotFound}
	case n > 1:
		return nil, resp, &nameError{fmt.Sprintf("awx: %d %ss are named %q; %s", n, kind, name, hint), ErrAmbiguous}
	}
	return items[0], resp, nil
}

func idPath(prefix string, id int64, suffix string) string {
	return prefix + strconv.FormatInt(id, 10) + "/" + suffix
}
