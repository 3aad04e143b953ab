package io.github.uwsgispringboot.codec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * The vars of one uwsgi packet, in the order the proxy sent them. A name may occur several times
 * (nginx 1.22 sends one var per occurrence of a repeated client header). Names and values are the
 * wire bytes read as ISO-8859-1, like HTTP header bytes. Immutable.
 */
public final class UwsgiVars {

	private static final UwsgiVars EMPTY = new UwsgiVars(new String[0], 0);

	private final String[] namesAndValues;

	private final int size;

	private UwsgiVars(String[] namesAndValues, int size) {
		this.namesAndValues = namesAndValues;
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
		return this.namesAndValues[index * 2];
	}

	/**
	 * Return the value of the var at {@code index}.
	 * @param index from 0 to {@link #size()} - 1
	 * @return the value, possibly empty
	 */
	public String value(int index) {
		Objects.checkIndex(index, this.size);
		return this.namesAndValues[index * 2 + 1];
	}

	/**
	 * Return the value sent last for {@code name}. The last one wins, as in uWSGI's WSGI environ:
	 * {@code uwsgi_param REMOTE_ADDR ...} after {@code include uwsgi_params} overrides the stock var.
	 * @param name the var name, case-sensitive as on the wire
	 * @return the value, or {@code null} when the proxy did not send the var
	 */
	public String get(String name) {
		for (int i = this.size * 2 - 2; i >= 0; i -= 2) {
			if (this.namesAndValues[i].equals(name)) {
				return this.namesAndValues[i + 1];
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
		for (int i = 0; i < this.size * 2; i += 2) {
			if (this.namesAndValues[i].equals(name)) {
				if (values == null) {
					values = new ArrayList<>(2);
				}
				values.add(this.namesAndValues[i + 1]);
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
		forEach((varName, value) -> {
			if (!varName.equals(name)) {
				builder.add(varName, value);
			}
		});
		return builder.build();
	}

	/**
	 * Call {@code action} with each var in wire order.
	 * @param action receives name and value
	 */
	public void forEach(BiConsumer<String, String> action) {
		for (int i = 0; i < this.size * 2; i += 2) {
			action.accept(this.namesAndValues[i], this.namesAndValues[i + 1]);
		}
	}

	@Override
	public boolean equals(Object other) {
		if (this == other) {
			return true;
		}
		if (!(other instanceof UwsgiVars that) || this.size != that.size) {
			return false;
		}
		return Arrays.equals(this.namesAndValues, 0, this.size * 2, that.namesAndValues, 0, that.size * 2);
	}

	@Override
	public int hashCode() {
		int hash = 1;
		for (int i = 0; i < this.size * 2; i++) {
			hash = 31 * hash + this.namesAndValues[i].hashCode();
		}
		return hash;
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
	 * Builds {@link UwsgiVars} one var at a time, keeping the order of {@link #add} calls.
	 */
	public static final class Builder {

		private String[] namesAndValues = new String[64];

		private int size;

		private Builder() {
		}

		/**
		 * Add a var; a name already added is added again, not replaced.
		 * @param name the var name, not empty
		 * @param value the value, possibly empty
		 * @return this builder
		 */
		public Builder add(String name, String value) {
			Objects.requireNonNull(name, "name");
			Objects.requireNonNull(value, "value");
			if (name.isEmpty()) {
				throw new IllegalArgumentException("A uwsgi var name must not be empty");
			}
			if (this.size * 2 == this.namesAndValues.length) {
				this.namesAndValues = Arrays.copyOf(this.namesAndValues, this.namesAndValues.length * 2);
			}
			this.namesAndValues[this.size * 2] = name;
			this.namesAndValues[this.size * 2 + 1] = value;
			this.size++;
			return this;
		}

		/**
		 * Return the vars added so far.
		 * @return immutable vars
		 */
		public UwsgiVars build() {
			return new UwsgiVars(Arrays.copyOf(this.namesAndValues, this.size * 2), this.size);
		}

	}

}
