package io.github.uwsgispringboot.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;

/**
 * The vars of one uwsgi packet, in the order the proxy sent them. A name may occur several times
 * (nginx 1.22 sends one var per occurrence of a repeated client header). Names and values are the
 * wire bytes read as ISO-8859-1, like HTTP header bytes. Immutable.
 * <p>
 * The vars keep the bytes of the vars block, copied once from the connection's buffer, and make a
 * {@code String} only when a name or a value is asked for.
 */
public final class UwsgiVars {

	private static final UwsgiVars EMPTY = new UwsgiVars(new byte[0], new int[0], 0);

	/** How many vars a block is expected to hold: nginx's stock params and a browser's headers. */
	private static final int EXPECTED_VARS = 32;

	private static final VarHandle SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class,
			ByteOrder.LITTLE_ENDIAN);

	/** The vars block: per var, its name length (u16 little-endian), name, value length, value. */
	private final byte[] block;

	/**
	 * Where each var starts in the block (at its name length). A value ends where the next var
	 * starts, so that a value built longer than the protocol allows is still read whole.
	 */
	private final int[] starts;

	private final int size;

	private UwsgiVars(byte[] block, int[] starts, int size) {
		this.block = block;
		this.starts = starts;
		this.size = size;
	}

	/**
	 * Return vars with nothing in them.
	 * @return the empty vars
	 */
	public static UwsgiVars empty() {
		return EMPTY;
	}

	/**
	 * Start building vars.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Read the vars of a vars block, checking that its vars consume it exactly, and show each
	 * to {@code visitor} as it is read.
	 * @param block the vars block, kept by the vars
	 * @param maxVars the most vars accepted
	 * @param visitor sees every var
	 * @return the vars
	 * @throws UwsgiProtocolException when the block is malformed or holds too many vars
	 */
	static UwsgiVars read(byte[] block, int maxVars, Visitor visitor) {
		int end = block.length;
		int[] starts = new int[Math.min(maxVars, EXPECTED_VARS)];
		int position = 0;
		int count = 0;
		while (position < end) {
			if (count == maxVars) {
				throw new UwsgiProtocolException(Reason.TOO_MANY_VARS, "more than " + maxVars);
			}
			if (end - position < 2) {
				throw new UwsgiProtocolException(Reason.MALFORMED_VARS, "block ends inside a var name length");
			}
			if (count == starts.length) {
				starts = Arrays.copyOf(starts, Math.min(maxVars, count * 2));
			}
			starts[count++] = position;
			int nameLength = u16(block, position);
			position += 2;
			if (nameLength == 0) {
				throw new UwsgiProtocolException(Reason.EMPTY_VAR_NAME, "at offset " + (position - 2));
			}
			if (end - position < nameLength + 2) {
				throw new UwsgiProtocolException(Reason.MALFORMED_VARS,
						"var name of " + nameLength + " bytes runs past the block");
			}
			position += nameLength;
			int valueLength = u16(block, position);
			position += 2;
			if (end - position < valueLength) {
				String name = new String(block, position - 2 - nameLength, nameLength, StandardCharsets.ISO_8859_1);
				throw new UwsgiProtocolException(Reason.MALFORMED_VARS, "value of "
						+ UwsgiRequestMapper.abbreviate(name) + " (" + valueLength + " bytes) runs past the block");
			}
			visitor.visit(count - 1, position - 2 - nameLength, nameLength, position, valueLength);
			position += valueLength;
		}
		return new UwsgiVars(block, starts, count);
	}

	/**
	 * Show every var to {@code visitor}, in wire order.
	 * @param visitor sees every var
	 */
	void visit(Visitor visitor) {
		for (int i = 0; i < this.size; i++) {
			visitor.visit(i, nameStart(i), nameLength(i), valueStart(i), valueLength(i));
		}
	}

	private static int u16(byte[] bytes, int index) {
		return (short) SHORTS.get(bytes, index) & 0xFFFF;
	}

	/**
	 * Return the number of vars, repeated names counted each time.
	 * @return the number of vars
	 */
	public int size() {
		return this.size;
	}

	/**
	 * Return the name of the var at {@code index}.
	 * @param index from 0 to {@link #size()} - 1
	 * @return the name
	 */
	public String name(int index) {
		Objects.checkIndex(index, this.size);
		return string(nameStart(index), nameLength(index));
	}

	/**
	 * Return the value of the var at {@code index}.
	 * @param index from 0 to {@link #size()} - 1
	 * @return the value, possibly empty
	 */
	public String value(int index) {
		Objects.checkIndex(index, this.size);
		return string(valueStart(index), valueLength(index));
	}

	/**
	 * Return the value sent last for {@code name}. The last one wins, as in uWSGI's WSGI environ:
	 * {@code uwsgi_param REMOTE_ADDR ...} after {@code include uwsgi_params} overrides the stock var.
	 * @param name the var name, case-sensitive as on the wire
	 * @return the value, or {@code null} when the proxy did not send the var
	 */
	public String get(String name) {
		for (int i = this.size - 1; i >= 0; i--) {
			if (nameEquals(i, name)) {
				return value(i);
			}
		}
		return null;
	}

	/**
	 * Return every value sent for {@code name}, in order.
	 * @param name the var name, case-sensitive as on the wire
	 * @return the values, empty when the proxy did not send the var
	 */
	public List<String> getAll(String name) {
		List<String> values = null;
		for (int i = 0; i < this.size; i++) {
			if (nameEquals(i, name)) {
				if (values == null) {
					values = new ArrayList<>(2);
				}
				values.add(value(i));
			}
		}
		return (values != null) ? Collections.unmodifiableList(values) : Collections.emptyList();
	}

	/**
	 * Return these vars without any sent for {@code name}.
	 * @param name the var name, case-sensitive as on the wire
	 * @return the vars left
	 */
	public UwsgiVars without(String name) {
		Builder builder = builder();
		for (int i = 0; i < this.size; i++) {
			if (!nameEquals(i, name)) {
				builder.add(this.block, this.starts[i], end(i));
			}
		}
		return builder.build();
	}

	/**
	 * Call {@code action} with each var in wire order.
	 * @param action receives name and value
	 */
	public void forEach(BiConsumer<String, String> action) {
		for (int i = 0; i < this.size; i++) {
			action.accept(name(i), value(i));
		}
	}

	/**
	 * Return whether the name of the var at {@code index} is {@code name}, whose chars are
	 * compared with the name's bytes.
	 * @param index a var index
	 * @param name the name
	 * @return {@code true} when the names are equal
	 */
	boolean nameEquals(int index, CharSequence name) {
		return nameLength(index) == name.length() && regionEquals(nameStart(index), name, 0, name.length());
	}

	/**
	 * Return whether the value of the var at {@code index} is {@code value}, ignoring the case of
	 * ASCII letters.
	 * @param index a var index, or -1 for a var not sent
	 * @param value the expected value, lower case
	 * @return {@code true} when the var was sent with that value
	 */
	boolean valueEqualsIgnoreCase(int index, String value) {
		if (index < 0 || valueLength(index) != value.length()) {
			return false;
		}
		int start = valueStart(index);
		for (int i = 0; i < value.length(); i++) {
			int b = this.block[start + i];
			if (b != value.charAt(i) && (b < 'A' || b > 'Z' || b + ('a' - 'A') != value.charAt(i))) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Return whether the value of the var at {@code index} starts with {@code prefix}.
	 * @param index a var index
	 * @param prefix the prefix
	 * @return {@code true} when the value starts with the prefix
	 */
	boolean valueStartsWith(int index, String prefix) {
		return valueLength(index) >= prefix.length() && regionEquals(valueStart(index), prefix, 0, prefix.length());
	}

	/**
	 * Return whether the bytes from {@code start} are the chars of {@code chars} from
	 * {@code from} to {@code to}.
	 */
	private boolean regionEquals(int start, CharSequence chars, int from, int to) {
		for (int i = from; i < to; i++) {
			if ((this.block[start + i - from] & 0xFF) != chars.charAt(i)) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Return the bytes of the vars block, for reading only.
	 * @return the block
	 */
	byte[] block() {
		return this.block;
	}

	/**
	 * Return where the name of the var at {@code index} starts in the {@link #block()}.
	 * @param index a var index
	 * @return the offset of the name
	 */
	int nameStart(int index) {
		return this.starts[index] + 2;
	}

	/**
	 * Return the length of the name of the var at {@code index}.
	 * @param index a var index
	 * @return the number of bytes in the name
	 */
	int nameLength(int index) {
		return u16(this.block, this.starts[index]);
	}

	/**
	 * Return where the value of the var at {@code index} starts in the {@link #block()}.
	 * @param index a var index
	 * @return the offset of the value
	 */
	int valueStart(int index) {
		return nameStart(index) + nameLength(index) + 2;
	}

	/**
	 * Return the length of the value of the var at {@code index}.
	 * @param index a var index
	 * @return the number of bytes in the value
	 */
	int valueLength(int index) {
		return end(index) - valueStart(index);
	}

	private int end(int index) {
		return (index + 1 < this.size) ? this.starts[index + 1] : this.block.length;
	}

	/**
	 * Return the bytes from {@code start} as an ISO-8859-1 string.
	 * @param start where the bytes start in the {@link #block()}
	 * @param length the number of bytes
	 * @return the string
	 */
	String string(int start, int length) {
		return new String(this.block, start, length, StandardCharsets.ISO_8859_1);
	}

	@Override
	public boolean equals(Object other) {
		if (this == other) {
			return true;
		}
		return other instanceof UwsgiVars that && this.size == that.size && Arrays.equals(this.block, that.block)
				&& Arrays.equals(this.starts, 0, this.size, that.starts, 0, that.size);
	}

	@Override
	public int hashCode() {
		return Arrays.hashCode(this.block);
	}

	@Override
	public String toString() {
		StringBuilder result = new StringBuilder("UwsgiVars{");
		forEach((name, value) -> result.append(name).append('=').append(value).append(", "));
		if (this.size > 0) {
			result.setLength(result.length() - 2);
		}
		return result.append('}').toString();
	}

	/**
	 * Sees the vars one at a time, where they are in the {@link #block()}.
	 */
	interface Visitor {

		/**
		 * See one var.
		 * @param index the index of the var
		 * @param nameStart where its name starts
		 * @param nameLength the length of its name
		 * @param valueStart where its value starts
		 * @param valueLength the length of its value
		 */
		void visit(int index, int nameStart, int nameLength, int valueStart, int valueLength);

	}

	/**
	 * Builds {@link UwsgiVars} one var at a time, keeping the order of {@link #add} calls.
	 */
	public static final class Builder {

		private byte[] block = new byte[256];

		private int length;

		private int[] starts = new int[16];

		private int size;

		private Builder() {
		}

		/**
		 * Add a var; a name already added is added again, not replaced. Names and values are
		 * kept as ISO-8859-1 bytes, as the protocol carries them: a char beyond {@code U+00FF}
		 * becomes {@code ?}.
		 * @param name the var name, not empty, at most {@value UwsgiConstants#MAX_VAR_LENGTH}
		 * chars
		 * @param value the value, possibly empty
		 * @return this builder
		 */
		public Builder add(String name, String value) {
			Objects.requireNonNull(name, "name");
			Objects.requireNonNull(value, "value");
			if (name.isEmpty()) {
				throw new IllegalArgumentException("A uwsgi var name must not be empty");
			}
			if (name.length() > UwsgiConstants.MAX_VAR_LENGTH) {
				throw new IllegalArgumentException(
						"A uwsgi var name must not be longer than " + UwsgiConstants.MAX_VAR_LENGTH + " chars");
			}
			ensureCapacity(4 + name.length() + value.length());
			this.starts[this.size++] = this.length;
			write(name);
			write(value);
			return this;
		}

		/**
		 * Add a var as framed in a vars block.
		 */
		private void add(byte[] block, int from, int to) {
			ensureCapacity(to - from);
			this.starts[this.size++] = this.length;
			System.arraycopy(block, from, this.block, this.length, to - from);
			this.length += to - from;
		}

		private void ensureCapacity(int bytes) {
			if (this.size == this.starts.length) {
				this.starts = Arrays.copyOf(this.starts, this.size * 2);
			}
			if (this.block.length - this.length < bytes) {
				this.block = Arrays.copyOf(this.block, Math.max(this.block.length * 2, this.length + bytes));
			}
		}

		/**
		 * Write a length (its low 16 bits when longer than the protocol allows) and the chars.
		 */
		private void write(String chars) {
			this.block[this.length++] = (byte) chars.length();
			this.block[this.length++] = (byte) (chars.length() >> 8);
			for (int i = 0; i < chars.length(); i++) {
				char c = chars.charAt(i);
				this.block[this.length++] = (byte) ((c <= 0xFF) ? c : '?');
			}
		}

		/**
		 * Return the vars added so far.
		 * @return immutable vars
		 */
		public UwsgiVars build() {
			return new UwsgiVars(Arrays.copyOf(this.block, this.length), Arrays.copyOf(this.starts, this.size),
					this.size);
		}

	}

}
