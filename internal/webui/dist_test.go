package webui

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// TestDistMatchesSources rebuilds web/ into a temporary directory and
// compares it with the committed web/dist, file by file: the binary must
// embed what the sources say. It needs web/node_modules (npm ci in web/);
// without it the test is skipped, except under CI=true, where it fails.
func TestDistMatchesSources(t *testing.T) {
	if testing.Short() {
		t.Skip("rebuilds the dashboard")
	}
	webDir, err := filepath.Abs("../../web")
	if err != nil {
		t.Fatal(err)
	}
	_, npmErr := exec.LookPath("npm")
	_, modErr := os.Stat(filepath.Join(webDir, "node_modules", ".bin", "vite"))
	if npmErr != nil || modErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("npm or web/node_modules missing (run npm ci in web/): %v %v", npmErr, modErr)
		}
		t.Skip("npm or web/node_modules missing: run npm ci in web/")
	}
	out := t.TempDir()
	cmd := exec.Command("npm", "run", "build", "--", "--outDir", out, "--emptyOutDir")
	cmd.Dir = webDir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm run build: %v\n%s", err, b)
	}
	committed := readTree(t, filepath.Join(webDir, "dist"))
	fresh := readTree(t, out)
	names := func(m map[string][]byte) []string {
		var s []string
		for k := range m {
			s = append(s, k)
		}
		slices.Sort(s)
		return s
	}
	if c, f := names(committed), names(fresh); !slices.Equal(c, f) {
		t.Fatalf("web/dist is stale: run make web and commit web/dist\ncommitted: %v\nfresh build: %v", c, f)
	}
	for name, b := range fresh {
		if !bytes.Equal(b, committed[name]) {
			t.Errorf("web/dist/%s differs from a fresh build: run make web and commit web/dist", name)
		}
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	return files
}
