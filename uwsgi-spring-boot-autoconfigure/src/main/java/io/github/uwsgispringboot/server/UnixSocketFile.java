package io.github.uwsgispringboot.server;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

import io.netty.channel.unix.DomainSocketAddress;
import reactor.netty.resources.LoopResources;

/**
 * The file of a unix socket listener: a socket file left by a crashed run is replaced, a live one
 * (another process accepts on it) or a file that is not a socket is never touched.
 */
final class UnixSocketFile {

	/** The file type bits of {@code unix:mode} for a socket ({@code S_IFSOCK}). */
	private static final int S_IFSOCK = 0140000;

	private static final int S_IFMT = 0170000;

	private final Path path;

	UnixSocketFile(Path path) {
		this.path = path.toAbsolutePath();
	}

	Path path() {
		return this.path;
	}

	/**
	 * Return the address to bind: a native domain socket address when a native transport is available, else
	 * the JDK's, for Reactor Netty's NIO transport.
	 */
	SocketAddress bindAddress() {
		// Reactor Netty's native loops bind Netty's address type; its JDK loops (no native library,
		// or reactor.netty.native=false) the JDK's, see UwsgiLoopResources
		return (LoopResources.hasNativeSupport() && LoopResources.DEFAULT_NATIVE)
				? new DomainSocketAddress(this.path.toString()) : UnixDomainSocketAddress.of(this.path);
	}

	/**
	 * Make the path free to bind: remove a stale socket file, refuse a live one or another file.
	 * @throws UwsgiServerException when the path cannot be used
	 */
	void prepare() {
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

	void setPermissions(Set<PosixFilePermission> permissions) {
		try {
			Files.setPosixFilePermissions(this.path, permissions);
		}
		catch (IOException ex) {
			throw new UwsgiServerException("Cannot set permissions of unix socket " + this.path + ": " + ex, ex);
		}
	}

	void delete() {
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
