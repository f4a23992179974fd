package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
)

// recordActivity writes an activity stream entry for a change the caller
// made. changes must never hold a secret (passwords show as "$encrypted$").
// A failure is logged, not returned: the change itself has been committed
// and the client must learn that it succeeded.
func (s *Server) recordActivity(r *http.Request, op, objectType string, objectID int64, changes map[string]any) {
	var actor *int64
	if c := caller(r); c != nil {
		id := c.User.ID
		actor = &id
	}
	b, err := json.Marshal(changes)
	if err != nil {
		b = []byte("{}")
	}
	// The request may be canceled the moment the response is written; the
	// entry is still owed.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	a := &store.Activity{Timestamp: s.now(), ActorID: actor, Operation: op, ObjectType: objectType, ObjectID: objectID, Changes: b}
	if err := s.store.AddActivity(ctx, a); err != nil {
		logger(r).Warn("activity stream entry not recorded", "err", err, "object_type", objectType, "object_id", objectID, "operation", op)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
