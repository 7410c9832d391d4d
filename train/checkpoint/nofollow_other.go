//go:build !unix

package checkpoint

// noFollow is 0 where the platform has no O_NOFOLLOW; openRegular's Lstat
// and SameFile checks still refuse symlinks.
const noFollow = 0
