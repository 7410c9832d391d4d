package backend

import (
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// offline sends every HTTP request of the installer to a closed port on
// this machine, as on a machine without internet access: nothing leaves it.
func offline(t *testing.T) {
	t.Helper()
	closed := &url.URL{Scheme: "http", Host: "127.0.0.1:9"}
	old := installProxy
	installProxy = http.ProxyURL(closed)
	t.Cleanup(func() { installProxy = old })
	t.Setenv("HOME", t.TempDir())
}

func TestInstallPluginOfflineFailsFastInOneLine(t *testing.T) {
	offline(t)
	for _, backend := range Installable {
		t.Run(backend, func(t *testing.T) {
			start := time.Now()
			_, err := InstallPlugin(backend, "")
			if err == nil {
				t.Fatal("installed with no network")
			}
			if took := time.Since(start); took > 15*time.Second {
				t.Errorf("took %s to fail offline", took)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, "install "+backend) ||
				!strings.Contains(msg, "https://") || !strings.Contains(msg, "needs internet access") {
				t.Errorf("want one line naming what it tried and why it failed, got %q", msg)
			}
		})
	}
	if _, err := InstallPlugin("xla:tpu", ""); err == nil || !strings.Contains(err.Error(), "installable: xla:cpu, xla:cuda") {
		t.Errorf("unknown backend: %v", err)
	}
}

func TestKeepOnFailurePutsThePreviousInstallBack(t *testing.T) {
	folder := filepath.Join(t.TempDir(), "nvidia")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	plugin := filepath.Join(folder, cudaPluginName)
	if err := os.WriteFile(plugin, []byte("working"), 0o644); err != nil {
		t.Fatal(err)
	}
	failing := func() error {
		if err := os.MkdirAll(folder, 0o755); err != nil { // a half-written new install
			return err
		}
		return errors.New("download interrupted")
	}
	if err := keepOnFailure(folder, failing); err == nil {
		t.Fatal("the install's error was lost")
	}
	if got, err := os.ReadFile(plugin); err != nil || string(got) != "working" {
		t.Errorf("previous install not put back: %q, %v", got, err)
	}
	succeeding := func() error {
		if err := os.MkdirAll(folder, 0o755); err != nil {
			return err
		}
		return os.WriteFile(plugin, []byte("new"), 0o644)
	}
	if err := keepOnFailure(folder, succeeding); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(plugin); string(got) != "new" {
		t.Errorf("after a good install: %q", got)
	}
	if _, err := os.Stat(folder + ".neurona-backup"); !os.IsNotExist(err) {
		t.Errorf("the backup stays after a good install: %v", err)
	}
}
