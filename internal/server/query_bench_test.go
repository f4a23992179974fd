package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/awxtoken/awxtoken/internal/store"
)

// BenchmarkParseListQuery parses a busy token list query string: ordering,
// paging, related-field lookups and the or__/not__ prefixes.
func BenchmarkParseListQuery(b *testing.B) {
	for _, tc := range []struct{ name, query string }{
		{"page", "page=2&page_size=50"},
		{"filters", "user__username=alice&scope=write&order_by=-created,id&page=2&page_size=50" +
			"&or__description__icontains=ci&or__description__icontains=deploy&not__application__isnull=true&created__gt=2026-01-01T00:00:00Z"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/api/v2/tokens/?"+tc.query, nil)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parseListQuery(r, store.TokenResource); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
