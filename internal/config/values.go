package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseBool reads a boolean as Ansible does (ansible.module_utils.parsing.
// convert_bool.boolean, which the awx.awx collection uses for verify_ssl and
// its VERIFY_SSL variables): y/yes/on/1/true/t and n/no/off/0/false/f, any case.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "y", "yes", "on", "1", "true", "t", "1.0":
		return true, nil
	case "n", "no", "off", "0", "false", "f", "0.0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (use true or false)", s)
}

// maxSeconds keeps a timeout inside time.Duration.
const maxSeconds = float64(math.MaxInt64 / int64(time.Second))

// ParseSeconds reads a request timeout: seconds, possibly fractional ("2.5"),
// as the collection's request_timeout; a Go duration ("90s") is accepted too.
func ParseSeconds(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		d, derr := time.ParseDuration(t)
		if derr != nil {
			return 0, fmt.Errorf("%q is not a number of seconds", s)
		}
		if d <= 0 {
			return 0, fmt.Errorf("%q: the timeout must be positive", s)
		}
		return d, nil
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 {
		return 0, fmt.Errorf("%q: the timeout must be a positive number of seconds", s)
	}
	if f > maxSeconds {
		return 0, fmt.Errorf("%q: the timeout is too large", s)
	}
	d := time.Duration(math.Round(f * float64(time.Second)))
	if d <= 0 {
		return 0, fmt.Errorf("%q: the timeout must be positive", s)
	}
	return d, nil
}
