package awx

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimeJSON(t *testing.T) {
	tm := NewTime(time.Date(2024, 10, 9, 4, 23, 8, 123456789, time.FixedZone("CEST", 2*3600)))
	b, err := json.Marshal(tm)
	if err != nil || string(b) != `"2024-10-09T02:23:08.123456Z"` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	var back Time
	if err := json.Unmarshal(b, &back); err != nil || !back.Equal(tm.Time) {
		t.Errorf("round trip = %v, %v", back, err)
	}
	// Other servers write offsets and fewer digits; read them too.
	if err := json.Unmarshal([]byte(`"2024-10-09T04:23:08+02:00"`), &back); err != nil || back.String() != "2024-10-09T02:23:08.000000Z" {
		t.Errorf("offset time = %v, %v", back, err)
	}
	var null struct{ T *Time }
	if err := json.Unmarshal([]byte(`{"T":null}`), &null); err != nil || null.T != nil {
		t.Errorf("null = %v, %v", null.T, err)
	}
	for _, bad := range []string{`12`, `"yesterday"`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
	if NewTimePtr(nil) != nil || NewTimePtr(&tm.Time).String() != tm.String() {
		t.Error("NewTimePtr")
	}
}

func TestTokenIsPersonal(t *testing.T) {
	app := int64(1)
	if !(&Token{}).IsPersonal() || (&Token{Application: &app}).IsPersonal() {
		t.Error("IsPersonal")
	}
}
