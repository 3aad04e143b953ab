package io.github.uwsgispringboot.protocol;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for {@link UwsgiVars}: the framing of a vars block, and the vars as the mapper and the
 * application read them.
 */
class UwsgiVarsTests {

	/** Sees the vars as they are read: "index name=value" each. */
	private final List<String> seen = new ArrayList<>();

	@Test
	void varsAreReadInWireOrder() {
		byte[] block = {
				0x02, 0x00, // name length 2
				'A', 'B', // name
				0x01, 0x00, // value length 1
				'1', // value
				0x01, 0x00, // name length 1
				'C', // name
				0x00, 0x00, // value length 0: an empty value is legal
				0x01, 0x00, // name length 1
				'A', // name
				0x03, 0x00, // value length 3
				'x', 'y', (byte) 0xE9 }; // value, ISO-8859-1
		UwsgiVars vars = read(block, 10);
		assertThat(vars.size()).isEqualTo(3);
		assertThat(vars.name(0)).isEqualTo("AB");
		assertThat(vars.value(0)).isEqualTo("1");
		assertThat(vars.name(1)).isEqualTo("C");
		assertThat(vars.value(1)).isEmpty();
		assertThat(vars.name(2)).isEqualTo("A");
		assertThat(vars.value(2)).isEqualTo("xy\u00E9");
		assertThat(this.seen).containsExactly("0 AB=1 (2+2 at 6)", "1 C= (9+1 at 12)", "2 A=xy\u00E9 (14+1 at 17)");
	}

	@Test
	void lengthsAreLittleEndian() {
		byte[] block = new byte[2 + 1 + 2 + 0x0102];
		block[0] = 0x01; // name length 1
		block[1] = 0x00;
		block[2] = 'V'; // name
		block[3] = 0x02; // value length 0x0102 = 258, low byte first
		block[4] = 0x01;
		UwsgiVars vars = read(block, 10);
		assertThat(vars.size()).isOne();
		assertThat(vars.value(0)).hasSize(258);
	}

	@Test
	void emptyBlockHasNoVars() {
		UwsgiVars vars = read(new byte[0], 1);
		assertThat(vars.size()).isZero();
		assertThat(vars).isEqualTo(UwsgiVars.empty());
		assertThat(this.seen).isEmpty();
	}

	@Test
	void blockEndingInsideANameLengthIsMalformed() {
		byte[] block = {
				0x01, 0x00, 'A', 0x00, 0x00, // A=""
				0x01 }; // one byte of the next name length
		assertRefused(block, Reason.MALFORMED_VARS, "block ends inside a var name length");
	}

	@Test
	void nameRunningPastTheBlockIsMalformed() {
		byte[] block = {
				0x05, 0x00, // name length 5
				'A', 'B', 'C' }; // 3 bytes left
		assertRefused(block, Reason.MALFORMED_VARS, "var name of 5 bytes runs past the block");
	}

	@Test
	void nameEndingTheBlockWithoutAValueLengthIsMalformed() {
		byte[] block = {
				0x02, 0x00, // name length 2
				'A', 'B' }; // the block ends where the value length should be
		assertRefused(block, Reason.MALFORMED_VARS, "var name of 2 bytes runs past the block");
	}

	@Test
	void blockEndingInsideAValueLengthIsMalformed() {
		byte[] block = {
				0x02, 0x00, // name length 2
				'A', 'B', // name
				0x00 }; // one byte of the value length
		assertRefused(block, Reason.MALFORMED_VARS, "var name of 2 bytes runs past the block");
	}

	@Test
	void valueRunningOneBytePastTheBlockIsMalformed() {
		byte[] block = {
				0x02, 0x00, // name length 2
				'A', 'B', // name
				0x03, 0x00, // value length 3
				'x', 'y' }; // 2 bytes left
		assertRefused(block, Reason.MALFORMED_VARS, "value of AB (3 bytes) runs past the block");
	}

	@Test
	void valueEndingExactlyAtTheBlocksEndIsRead() {
		byte[] block = {
				0x02, 0x00, // name length 2
				'A', 'B', // name
				0x02, 0x00, // value length 2
				'x', 'y' }; // value, to the last byte
		assertThat(read(block, 1).get("AB")).isEqualTo("xy");
	}

	@Test
	void longNameIsAbbreviatedInTheRefusal() {
		String name = "N".repeat(100);
		byte[] wellFormed = UwsgiVars.builder().add(name, "v").build().block();
		byte[] block = java.util.Arrays.copyOf(wellFormed, wellFormed.length - 1); // value runs past by one
		assertRefused(block, Reason.MALFORMED_VARS, "value of " + "N".repeat(64) + "... (1 bytes) runs past the block");
	}

	@Test
	void emptyNameIsRefused() {
		byte[] block = {
				0x01, 0x00, 'A', 0x01, 0x00, '1', // A=1
				0x00, 0x00, // name length 0, at offset 6
				0x01, 0x00, '2' }; // value
		assertRefused(block, Reason.EMPTY_VAR_NAME, "at offset 6");
	}

	@Test
	void emptyNameAtTheEndOfTheBlockIsRefused() {
		byte[] block = {
				0x01, 0x00, 'A', 0x00, 0x00, // A=""
				0x00, 0x00 }; // name length 0, the block's last two bytes
		assertRefused(block, Reason.EMPTY_VAR_NAME, "at offset 5");
	}

	@Test
	void differentVarsHaveDifferentHashCodes() {
		assertThat(vars(1).hashCode()).isNotEqualTo(vars(2).hashCode()).isNotEqualTo(UwsgiVars.empty().hashCode());
	}

	@Test
	void varsUpToTheMaximumCountAreRead() {
		byte[] block = vars(3).block();
		assertThat(read(block, 3).size()).isEqualTo(3);
		assertRefused(block, 2, Reason.TOO_MANY_VARS, "more than 2");
		assertRefused(block, 1, Reason.TOO_MANY_VARS, "more than 1");
	}

	@Test
	void manyVarsAreAllRead() {
		// more than the 32 expected: the index grows
		UwsgiVars sent = vars(100);
		UwsgiVars vars = read(sent.block(), Integer.MAX_VALUE);
		assertThat(vars).isEqualTo(sent);
		assertThat(vars.size()).isEqualTo(100);
		assertThat(vars.name(99)).isEqualTo("V99");
		assertThat(vars.value(99)).isEqualTo("value 99");
		assertThat(read(sent.block(), 100)).isEqualTo(sent);
		assertThat(read(vars(33).block(), 33).value(32)).isEqualTo("value 32");
		assertRefused(sent.block(), 99, Reason.TOO_MANY_VARS, "more than 99");
		assertRefused(sent.block(), 40, Reason.TOO_MANY_VARS, "more than 40");
	}

	@Test
	void malformedVarAfterTheMaximumCountIsTooManyVars() {
		byte[] block = {
				0x01, 0x00, 'A', 0x00, 0x00, // A=""
				0x01 }; // the start of a second var
		assertRefused(block, 1, Reason.TOO_MANY_VARS, "more than 1");
	}

	@Test
	void valueSentLastForANameWins() {
		UwsgiVars vars = UwsgiVars.builder().add("REMOTE_ADDR", "10.0.0.1").add("X", "1").add("REMOTE_ADDR", "192.0.2.7")
			.build();
		assertThat(vars.get("REMOTE_ADDR")).isEqualTo("192.0.2.7");
		assertThat(vars.getAll("REMOTE_ADDR")).containsExactly("10.0.0.1", "192.0.2.7");
		assertThat(vars.get("X")).isEqualTo("1");
		assertThat(vars.getAll("X")).containsExactly("1");
	}

	@Test
	void namesAreCaseSensitiveAndWhole() {
		UwsgiVars vars = UwsgiVars.builder().add("HTTP_HOST", "a").add("HTTP_HOSTS", "b").build();
		assertThat(vars.get("http_host")).isNull();
		assertThat(vars.get("HTTP_HOS")).isNull();
		assertThat(vars.get("HTTP_HOSX")).isNull();
		assertThat(vars.get("HTTP_HOST")).isEqualTo("a");
		assertThat(vars.getAll("http_host")).isEmpty();
		assertThat(UwsgiVars.builder().add("\u00E9", "x").build().get("\u00E9")).isEqualTo("x");
	}

	@Test
	void withoutRemovesEveryOccurrenceAndKeepsTheOrder() {
		UwsgiVars vars = UwsgiVars.builder().add("A", "1").add("SECRET", "s").add("B", "2").add("SECRET", "t")
			.add("C", "")
			.build();
		UwsgiVars without = vars.without("SECRET");
		assertThat(without).isEqualTo(UwsgiVars.builder().add("A", "1").add("B", "2").add("C", "").build());
		assertThat(without.toString()).isEqualTo("UwsgiVars{A=1, B=2, C=}");
		assertThat(vars.size()).isEqualTo(5);
		assertThat(vars.without("ABSENT")).isEqualTo(vars);
	}

	@Test
	void withoutKeepsManyLongVars() {
		UwsgiVars.Builder builder = UwsgiVars.builder();
		UwsgiVars.Builder expected = UwsgiVars.builder();
		for (int i = 0; i < 40; i++) {
			builder.add("V" + i, "x".repeat(100));
			expected.add("V" + i, "x".repeat(100));
		}
		UwsgiVars vars = builder.add("GONE", "1").build();
		assertThat(vars.without("GONE")).isEqualTo(expected.build());
	}

	@Test
	void forEachSeesEveryVarInOrder() {
		List<String> each = new ArrayList<>();
		UwsgiVars.builder().add("B", "2").add("A", "1").add("B", "3").build()
			.forEach((name, value) -> each.add(name + "=" + value));
		assertThat(each).containsExactly("B=2", "A=1", "B=3");
	}

	@Test
	void indexOutsideTheVarsIsRefused() {
		UwsgiVars vars = UwsgiVars.builder().add("A", "1").build();
		assertThatExceptionOfType(IndexOutOfBoundsException.class).isThrownBy(() -> vars.name(1));
		assertThatExceptionOfType(IndexOutOfBoundsException.class).isThrownBy(() -> vars.value(1));
		assertThatExceptionOfType(IndexOutOfBoundsException.class).isThrownBy(() -> vars.name(-1));
	}

	@Test
	void varsAreEqualWhenTheirVarsAre() {
		UwsgiVars vars = UwsgiVars.builder().add("A", "1").add("B", "2").build();
		UwsgiVars same = read(vars.block().clone(), 2);
		assertThat(vars).isEqualTo(vars).isEqualTo(same).hasSameHashCodeAs(same);
		assertThat(vars).isNotEqualTo(UwsgiVars.builder().add("A", "1").add("B", "3").build());
		assertThat(vars).isNotEqualTo(UwsgiVars.builder().add("A", "1").build());
		assertThat(vars).isNotEqualTo("UwsgiVars{A=1, B=2}");
		assertThat(vars).isNotEqualTo(null);
		assertThat(UwsgiVars.empty()).isEqualTo(UwsgiVars.builder().build()).isNotEqualTo(vars);
	}

	@Test
	void toStringListsTheVars() {
		assertThat(UwsgiVars.builder().add("A", "1").add("B", "").build()).hasToString("UwsgiVars{A=1, B=}");
		assertThat(UwsgiVars.empty()).hasToString("UwsgiVars{}");
	}

	@Test
	void builderWritesTheWireBytes() {
		UwsgiVars vars = UwsgiVars.builder().add("AB", "xyz").add("C", "\u00E9\u0100").build();
		assertThat(vars.block()).containsExactly(
				0x02, 0x00, 'A', 'B', // name length 2, name
				0x03, 0x00, 'x', 'y', 'z', // value length 3, value
				0x01, 0x00, 'C', // name length 1, name
				0x02, 0x00, 0xE9, '?'); // value length 2, value: U+00E9 as ISO-8859-1, U+0100 has no byte
		assertThat(read(vars.block(), 2)).isEqualTo(vars);
	}

	@Test
	void builderGrowsForManyAndLongVars() {
		UwsgiVars.Builder builder = UwsgiVars.builder();
		for (int i = 0; i < 50; i++) {
			builder.add("V" + i, "x".repeat(i * 10));
		}
		UwsgiVars vars = builder.build();
		assertThat(vars.size()).isEqualTo(50);
		assertThat(vars.value(49)).hasSize(490);
		assertThat(read(vars.block(), 50)).isEqualTo(vars);
		assertThat(UwsgiVars.builder().add("L", "y".repeat(1000)).build().value(0)).hasSize(1000);
	}

	@Test
	void builtVarsDoNotChangeWhenMoreAreAdded() {
		UwsgiVars.Builder builder = UwsgiVars.builder().add("A", "1");
		UwsgiVars first = builder.build();
		builder.add("B", "2");
		assertThat(first.size()).isOne();
		assertThat(builder.build().size()).isEqualTo(2);
	}

	@Test
	void valueLongerThanTheProtocolAllowsIsStillReadWhole() {
		UwsgiVars vars = UwsgiVars.builder().add("BIG", "v".repeat(70_000)).add("NEXT", "n").build();
		assertThat(vars.value(0)).hasSize(70_000);
		assertThat(vars.get("NEXT")).isEqualTo("n");
	}

	@Test
	void builderRefusesWhatTheProtocolCannotCarry() {
		assertThatIllegalArgumentException().isThrownBy(() -> UwsgiVars.builder().add("", "v"))
			.withMessage("A uwsgi var name must not be empty");
		assertThatIllegalArgumentException().isThrownBy(() -> UwsgiVars.builder().add("n".repeat(65536), "v"))
			.withMessage("A uwsgi var name must not be longer than 65535 chars");
		assertThat(UwsgiVars.builder().add("n".repeat(65535), "v").build().name(0)).hasSize(65535);
		assertThatNullPointerException().isThrownBy(() -> UwsgiVars.builder().add(null, "v"));
		assertThatNullPointerException().isThrownBy(() -> UwsgiVars.builder().add("n", null));
	}

	private UwsgiVars read(byte[] block, int maxVars) {
		return UwsgiVars.read(block, maxVars, (index, nameStart, nameLength, valueStart, valueLength) -> this.seen
			.add(index + " " + new String(block, nameStart, nameLength, java.nio.charset.StandardCharsets.ISO_8859_1) + "="
					+ new String(block, valueStart, valueLength, java.nio.charset.StandardCharsets.ISO_8859_1) + " ("
					+ nameStart + "+" + nameLength + " at " + valueStart + ")"));
	}

	private void assertRefused(byte[] block, Reason reason, String detail) {
		assertRefused(block, Integer.MAX_VALUE, reason, detail);
	}

	private void assertRefused(byte[] block, int maxVars, Reason reason, String detail) {
		assertThatExceptionOfType(UwsgiProtocolException.class).isThrownBy(() -> read(block, maxVars))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(reason);
				assertThat(ex).hasMessage(reason.description() + ": " + detail);
			});
	}

	private static UwsgiVars vars(int count) {
		UwsgiVars.Builder builder = UwsgiVars.builder();
		for (int i = 0; i < count; i++) {
			builder.add("V" + i, "value " + i);
		}
		return builder.build();
	}

}
