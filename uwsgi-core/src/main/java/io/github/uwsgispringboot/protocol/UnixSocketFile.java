package io.github.uwsgispringboot.protocol;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;


/**
 * The file of a unix socket listener: a socket file left by a crashed run is replaced, a live one
 * (another process accepts on it) or a file that is not a socket is never touched. Both servers
 * follow this rule before they bind a unix socket.
 */
public final class UnixSocketFile {

	/** The file type bits of {@code unix:mode} for a socket ({@code S_IFSOCK}). */
	private static final int S_IFSOCK = 0140000;

	private static final int S_IFMT = 0170000;

	private final Path path;

	/**
	 * Create the file of a listener.
	 * @param path where the socket is bound
	 */
	public UnixSocketFile(Path path) {
		this.path = path.toAbsolutePath();
	}

	/**
	 * Return the absolute path of the socket.
	 * @return the path
	 */
	public Path path() {
		return this.path;
	}

	/**
	 * Make the path free to bind: remove a stale socket file, refuse a live one or another file.
	 * @throws UwsgiServerException when the path cannot be used
	 */
	public void prepare() {
		if (!Files.exists(this.path, LinkOption.NOFOLLOW_LINKS)) {
			Path parent = this.path.getParent();
			if (parent != null && !Files.isDirectory(parent)) {
				throw new UwsgiServerException("Cannot listen on unix socket " + this.path + ": directory " + parent
						+ " does not exist; create it with permissions the proxy's user can traverse", null);
			}
			return;
		}
		if (!isSocket()) {
			throw new UwsgiServerException("Cannot listen on unix socket " + this.path
					+ ": a file that is not a socket is in the way; remove it or choose another path", null);
		}
		if (isLive()) {
			throw new UwsgiServerException("Cannot listen on unix socket " + this.path
					+ ": another process is listening on it; stop it or choose another path", null);
		}
		delete();
	}

	/**
	 * Set the permissions of the bound socket's file.
	 * @param permissions the permissions
	 * @throws UwsgiServerException when they cannot be set
	 */
	public void setPermissions(Set<PosixFilePermission> permissions) {
		try {
			Files.setPosixFilePermissions(this.path, permissions);
		}
		catch (IOException ex) {
			throw new UwsgiServerException("Cannot set permissions of unix socket " + this.path + ": " + ex, ex);
		}
	}

	/**
	 * Remove the socket's file, if it is still there.
	 * @throws UwsgiServerException when it cannot be removed
	 */
	public void delete() {
		try {
			Files.deleteIfExists(this.path);
		}
		catch (IOException ex) {
			throw new UwsgiServerException("Cannot remove unix socket file " + this.path + ": " + ex, ex);
		}
	}

	private boolean isSocket() {
		try {
			int mode = (Integer) Files.getAttribute(this.path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
			return (mode & S_IFMT) == S_IFSOCK;
		}
		catch (IOException | UnsupportedOperationException ex) {
			return false;
		}
	}

	private boolean isLive() {
		try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			probe.connect(UnixDomainSocketAddress.of(this.path));
			return true;
		}
		catch (ConnectException ex) {
			return false;
		}
		catch (IOException ex) {
			throw new UwsgiServerException("Cannot tell whether unix socket " + this.path + " is in use: " + ex, ex);
		}
	}

}
