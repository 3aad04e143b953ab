package io.github.uwsgispringboot.protocol;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ListenBacklog}: the kernel's {@code somaxconn} caps a backlog.
 */
class ListenBacklogTests {

	@TempDir
	Path temp;

	@Test
	void somaxconnCapsTheBacklog() {
		assertThat(ListenBacklog.limit(1024, 4096)).isEqualTo(1024);
		assertThat(ListenBacklog.limit(8192, 4096)).isEqualTo(4096);
		assertThat(ListenBacklog.limit(1024, 128)).isEqualTo(128);
	}

	@Test
	void unknownSomaxconnLeavesTheBacklog() {
		assertThat(ListenBacklog.limit(1024, -1)).isEqualTo(1024);
		assertThat(ListenBacklog.somaxconn(this.temp.resolve("absent"))).isEqualTo(-1);
	}

	@Test
	void somaxconnIsReadFromItsFile() throws Exception {
		Path file = Files.writeString(this.temp.resolve("somaxconn"), "4096\n");
		assertThat(ListenBacklog.somaxconn(file)).isEqualTo(4096);
	}

	@Test
	@EnabledOnOs(OS.LINUX)
	void cappedBacklogIsWarnedWithTheSysctlToRaise() throws Exception {
		Process sysctl = new ProcessBuilder("cat", ListenBacklog.SOMAXCONN.toString()).start();
		int somaxconn = Integer.parseInt(new String(sysctl.getInputStream().readAllBytes()).trim());
		sysctl.waitFor();
		assertThat(ListenBacklog.somaxconn()).as("read as cat reads it").isEqualTo(somaxconn);
		List<String> warnings = new CopyOnWriteArrayList<>();
		Logger logger = Logger.getLogger(ListenBacklog.class.getName());
		Handler handler = new Handler() {

			@Override
			public void publish(LogRecord record) {
				if (record.getLevel() == Level.WARNING) {
					warnings.add(record.getMessage());
				}
			}

			@Override
			public void flush() {
			}

			@Override
			public void close() {
			}

		};
		logger.addHandler(handler);
		try {
			assertThat(ListenBacklog.limit(somaxconn, "uwsgi.backlog=" + somaxconn)).isEqualTo(somaxconn);
			assertThat(warnings).isEmpty();
			assertThat(ListenBacklog.limit(somaxconn + 1, "uwsgi.backlog=" + (somaxconn + 1))).isEqualTo(somaxconn);
			assertThat(warnings).singleElement()
				.asString()
				.startsWith("uwsgi.backlog=" + (somaxconn + 1) + " is capped by the kernel's net.core.somaxconn="
						+ somaxconn)
				.contains("sysctl net.core.somaxconn=" + (somaxconn + 1));
		}
		finally {
			logger.removeHandler(handler);
		}
	}

}
