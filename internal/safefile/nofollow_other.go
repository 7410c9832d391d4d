//go:build !unix

package safefile

// oNoFollow is 0 where the platform has no O_NOFOLLOW; the Lstat before
// opening and the SameFile check after it still refuse links.
const oNoFollow = 0
