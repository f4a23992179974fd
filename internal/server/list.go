package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/store"
)

// Page sizes, AWX's PAGE_SIZE and MAX_PAGE_SIZE.
const (
	defaultPageSize = 25
	maxPageSize     = 200
	// maxOffset keeps page*page_size far from overflow; no store holds this
	// many rows, so any page beyond it is past the end.
	maxOffset = 1 << 40
)

// reservedQueryKeys are never filters (AWX's FieldLookupBackend.RESERVED_NAMES).
var reservedQueryKeys = map[string]bool{
	"page": true, "page_size": true, "format": true, "order": true, "order_by": true,
	"search": true, "type": true, "host_filter": true, "count_disabled": true,
	"no_truncate": true, "limit": true,
}

// parseListQuery turns AWX's list query string into a store.Query for the
// resource res (store.TokenResource, store.UserResource, ...):
//   - page (1-based; not a positive integer, or beyond any store: ENOTFOUND
//     "Invalid page."), page_size (default 25, capped at 200; non-numeric or
//     <= 0 means 25);
//   - order_by / order: comma-separated fields, "-" for descending;
//   - search;
//   - any other key a filter field[__relation][__lookup]=value, with the
//     prefixes or__ (one OR group), chain__ (plain AND) and not__. A secret
//     field is EFORBIDDEN "Filtering on token is not allowed.", an unknown
//     one EINVALID "<Model> has no field named 'foo'".
//
// The caller sets Restrict. Errors are store.Errors, ready for writeError.
func parseListQuery(r *http.Request, res *store.Resource) (store.Query, error) {
	vals := r.URL.Query()
	q := store.Query{Limit: pageSize(vals), Search: lastValue(vals, "search")}

	for _, key := range []string{"order_by", "order"} {
		for _, v := range vals[key] {
			for _, f := range strings.Split(v, ",") {
				f = strings.TrimSpace(f)
				desc := strings.HasPrefix(f, "-")
				f = strings.TrimPrefix(f, "-")
				if f == "" {
					continue
				}
				if _, err := res.CheckField(f); err != nil {
					return q, err
				}
				q.OrderBy = append(q.OrderBy, store.Order{Field: f, Desc: desc})
			}
		}
	}

	for key, values := range vals {
		if reservedQueryKeys[key] {
			continue
		}
		path, or, not := key, false, false
		if p, ok := strings.CutPrefix(path, "chain__"); ok {
			path = p
		} else if p, ok := strings.CutPrefix(path, "or__"); ok {
			path, or = p, true
		}
		if p, ok := strings.CutPrefix(path, "not__"); ok {
			path, not = p, true
		}
		path = strings.TrimSuffix(path, "__int")
		field, lookup := store.SplitLookup(path)
		if _, err := res.CheckField(field); err != nil {
			return q, err
		}
		for _, v := range values {
			if lookup == "isnull" {
				b, ok := pythonBool(v)
				if !ok {
					return q, store.Errorf(store.EINVALID, "Unable to convert \"%s\" to boolean", v)
				}
				v = strconv.FormatBool(b)
			}
			q.Filters = append(q.Filters, store.Filter{Field: field, Lookup: lookup, Value: v, Not: not, Or: or})
		}
	}

	// The page is checked last: AWX filters before it paginates, so a bad
	// filter wins over a bad page.
	pq, err := parsePageQuery(r)
	if err != nil {
		return q, err
	}
	q.Offset = pq.Offset
	return q, nil
}

// pythonBool is AWX's to_python_boolean.
func pythonBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "t", "yes", "y", "on":
		return true, true
	case "false", "0", "f", "no", "n", "off", "none", "null":
		return false, true
	}
	return false, false
}

// lastValue is key's last value, as Django's QueryDict.get gives it (DRF
// reads page, page_size and search that way); url.Values.Get gives the first.
func lastValue(vals url.Values, key string) string {
	if vs := vals[key]; len(vs) > 0 {
		return vs[len(vs)-1]
	}
	return ""
}

// pageSize reads page_size: default 25, at most 200. A number too large for
// an int is over the cap too (Atoi then returns MaxInt with ErrRange), as in
// DRF, where Python's int has no overflow.
func pageSize(vals url.Values) int {
	n, err := strconv.Atoi(strings.TrimSpace(lastValue(vals, "page_size")))
	if n > maxPageSize {
		return maxPageSize
	}
	if err != nil || n <= 0 {
		return defaultPageSize
	}
	return n
}

// writePage writes AWX's list envelope {"count","next","previous","results"}
// for the page q selected. next and previous are the request's path and
// query with page replaced, keys sorted and a page_size over 200 shown as
// 200 (AWX's Pagination.cap_page_size); page 2's previous link keeps
// "page=1". A page past the end (other than the first) is 404 "Invalid page.".
func writePage[T any](w http.ResponseWriter, r *http.Request, q store.Query, items []T, count int) {
	limit := q.Limit
	if limit <= 0 {
		limit = max(count, 1)
	}
	page := q.Offset/limit + 1
	if page > 1 && q.Offset >= count {
		writeDetail(w, http.StatusNotFound, msgInvalidPage)
		return
	}
	if items == nil {
		items = []T{}
	}
	out := awx.Page[T]{Count: count, Results: items}
	if q.Offset+limit < count {
		s := pageLink(r, page+1)
		out.Next = &s
	}
	if page > 1 {
		s := pageLink(r, page-1)
		out.Previous = &s
	}
	writeJSON(w, http.StatusOK, out)
}

// pageLink is the request's path and query with page set to n.
func pageLink(r *http.Request, n int) string {
	vals := r.URL.Query()
	vals.Set("page", strconv.Itoa(n))
	// Atoi gives 0 for text and MaxInt for a positive number out of range.
	if ps, _ := strconv.Atoi(strings.TrimSpace(lastValue(vals, "page_size"))); ps > maxPageSize {
		vals.Set("page_size", strconv.Itoa(maxPageSize))
	}
	return r.URL.EscapedPath() + "?" + vals.Encode()
}

// paginate applies q's page to a list held in memory (sub-lists the store
// does not page, such as a user's roles) and returns the page and the total.
func paginate[T any](all []T, q store.Query) ([]T, int) {
	n := len(all)
	if q.Offset >= n {
		return nil, n
	}
	end := n
	if q.Limit > 0 {
		end = min(n, q.Offset+q.Limit)
	}
	return all[q.Offset:end], n
}

// parsePageQuery reads only page and page_size, for sub-lists built in
// memory where AWX's filters have nothing to apply to.
func parsePageQuery(r *http.Request) (store.Query, error) {
	vals := r.URL.Query()
	q := store.Query{Limit: pageSize(vals)}
	page := 1
	if v := lastValue(vals, "page"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n-1 > maxOffset/q.Limit {
			return q, store.Errorf(store.ENOTFOUND, msgInvalidPage)
		}
		page = n
	}
	q.Offset = (page - 1) * q.Limit
	return q, nil
}
