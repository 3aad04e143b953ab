package io.github.uwsgispringboot.protocol;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UwsgiRefusalLog}: one line per refusal, at most ten a second, and the lines left
 * out counted in the next one. The log is read through {@code java.util.logging}, where
 * {@link System.Logger} writes without another logging system.
 */
class UwsgiRefusalLogTests {

	private static final String PEER = "192.0.2.7:51544";

	/** When a test of this class last logged: the rate limit's second must be over before the next. */
	private final Logger logger = Logger.getLogger(UwsgiRefusalLog.class.getName());

	private final List<LogRecord> records = new CopyOnWriteArrayList<>();

	private final Handler handler = new Handler() {

		@Override
		public void publish(LogRecord record) {
			UwsgiRefusalLogTests.this.records.add(record);
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}

	};

	@BeforeEach
	void captureLog() {
		this.logger.addHandler(this.handler);
		this.logger.setUseParentHandlers(false);
		this.logger.setLevel(Level.ALL);
	}

	@AfterEach
	void restoreLog() {
		this.logger.removeHandler(this.handler);
		this.logger.setUseParentHandlers(true);
		this.logger.setLevel(null);
	}

	@Test
	void refusalIsAWarningNamingPeerAndReason() {
		UwsgiRefusalLog.log(PEER, new UwsgiProtocolException(Reason.UNSUPPORTED_MODIFIER, "modifier1=22"));
		assertThat(this.records).singleElement().satisfies((record) -> {
			assertThat(record.getLevel()).isEqualTo(Level.WARNING);
			assertThat(record.getMessage())
				.isEqualTo("Refused uwsgi packet from 192.0.2.7:51544: unsupported modifier1: modifier1=22");
		});
	}

	@Test
	void peerThatWentAwayIsInformation() {
		UwsgiRefusalLog.log(PEER, new UwsgiProtocolException(Reason.TRUNCATED_PACKET, "2 of 4 header bytes"));
		assertThat(this.records).singleElement().satisfies((record) -> {
			assertThat(record.getLevel()).isEqualTo(Level.INFO);
			assertThat(record.getMessage()).isEqualTo("Closed uwsgi connection from 192.0.2.7:51544: "
					+ "connection closed before the packet was complete: 2 of 4 header bytes");
		});
	}

	@Test
	void atMostTenLinesASecondAndTheNextLineCountsTheOthers() {
		AtomicLong now = new AtomicLong(7_000_000_000L);
		UwsgiRefusalLog log = new UwsgiRefusalLog(now::get);
		for (int i = 0; i < 25; i++) {
			log.write(PEER, new UwsgiProtocolException(Reason.MALFORMED_VARS, "refusal " + i));
			now.addAndGet(30_000_000); // 30 ms apart: 25 refusals within 0.75 s
		}
		assertThat(this.records).hasSize(UwsgiRefusalLog.LINES_PER_SECOND).allSatisfy(
				(record) -> assertThat(record.getMessage()).doesNotContain("not logged"));
		assertThat(this.records.get(9).getMessage()).endsWith(": refusal 9");
		this.records.clear();
		now.addAndGet(249_999_999); // one nanosecond short of the first line's second
		log.write(PEER, new UwsgiProtocolException(Reason.MALFORMED_VARS, "refusal 25"));
		assertThat(this.records).isEmpty();
		now.incrementAndGet();
		log.write(PEER, new UwsgiProtocolException(Reason.MALFORMED_VARS, "refusal 26"));
		log.write(PEER, new UwsgiProtocolException(Reason.MALFORMED_VARS, "refusal 27"));
		assertThat(this.records).hasSize(2);
		assertThat(this.records.get(0).getMessage()).endsWith(": refusal 26 (16 more refusals not logged)");
		assertThat(this.records.get(1).getMessage()).endsWith(": refusal 27");
	}

	@Test
	void refusalsNotLoggableAtTheLevelSetAreNeitherWrittenNorCounted() {
		UwsgiRefusalLog log = new UwsgiRefusalLog(() -> 0);
		this.logger.setLevel(Level.SEVERE);
		for (int i = 0; i < 25; i++) {
			log.write(PEER, new UwsgiProtocolException(Reason.MALFORMED_VARS, "refusal " + i));
		}
		assertThat(this.records).isEmpty();
		this.logger.setLevel(Level.WARNING);
		log.write(PEER, new UwsgiProtocolException(Reason.TRUNCATED_PACKET, "not at WARNING"));
		log.write(PEER, new UwsgiProtocolException(Reason.MALFORMED_VARS, "refusal 25"));
		assertThat(this.records).singleElement()
			.satisfies((record) -> assertThat(record.getMessage()).endsWith(": malformed vars block: refusal 25"));
	}

}
