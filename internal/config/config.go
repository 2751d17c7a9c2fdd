// Package config binds every command-line flag to a TINOMAIL_* environment
// variable derived from its name (--data-dir ↔ TINOMAIL_DATA_DIR), so each
// option is declared once. Flags given on the command line win.
package config

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// EnvName returns the environment variable of a flag.
func EnvName(flagName string) string {
	return "TINOMAIL_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Parse parses args, then fills every flag not given on the command line from
// its environment variable. A bad value names the flag or variable it came from.
func Parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || given[f.Name] {
			return
		}
		name := EnvName(f.Name)
		if v := getenv(name); v != "" {
			if serr := f.Value.Set(v); serr != nil {
				err = fmt.Errorf("invalid value %q for %s: %v", v, name, serr)
			}
		}
	})
	return err
}

// Usage prints the flags of fs with their environment variables and defaults.
func Usage(fs *flag.FlagSet, synopsis string) func() {
	return func() {
		out := fs.Output()
		fmt.Fprintf(out, "%s\n\nOptions (each also set by its environment variable; flags win):\n", synopsis)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(out, "  --%s  [%s]\n      %s%s\n", f.Name, EnvName(f.Name), f.Usage, def)
		})
	}
}

// Bytes is a size flag that accepts plain bytes or a KB/MB/GB suffix (powers of 1024).
type Bytes int64

func (b *Bytes) String() string { return FormatBytes(int64(*b)) }

// Set parses a size.
func (b *Bytes) Set(s string) error {
	s = strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("want a size such as 10MB, 512KB or 1048576")
	}
	*b = Bytes(n * mult)
	return nil
}

// FormatBytes renders a size the way Bytes parses it.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKB", n>>10)
	}
	return strconv.FormatInt(n, 10)
}

// Age is a retention period: "30d", "12h", "90m", or "0" for forever.
type Age struct {
	D     time.Duration
	Given bool // given on the command line or in the environment
}

func (a *Age) String() string {
	switch {
	case a == nil || a.D == 0:
		return "0"
	case a.D%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", a.D/(24*time.Hour))
	}
	return a.D.String()
}

// Set parses a period.
func (a *Age) Set(s string) error {
	s = strings.TrimSpace(s)
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return fmt.Errorf("want a period such as 30d, 12h or 0 (forever)")
		}
		d = time.Duration(n) * 24 * time.Hour
	} else if s == "0" {
		d = 0
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d < 0 {
			return fmt.Errorf("want a period such as 30d, 12h or 0 (forever)")
		}
	}
	a.D, a.Given = d, true
	return nil
}
