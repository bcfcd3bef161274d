require "json"
require_relative "lib/store"

# A simple key-value cache with expiry.
module Caching
  class Entry
    attr_reader :value, :expires_at

    def initialize(value, ttl)
      @value = value
      @expires_at = Time.now + ttl
    end

    def expired?
      Time.now > expires_at
    end
  end

  class Cache
    def initialize
      @entries = {}
    end

    def fetch(key, ttl: 60)
      entry = @entries[key]
      return entry.value if entry && !entry.expired?

      value = yield
      @entries[key] = Entry.new(value, ttl)
      value
    end
  end
end

cache = Caching::Cache.new
puts cache.fetch(:greeting) { "hello #{ENV.fetch('USER', 'world')}" }
