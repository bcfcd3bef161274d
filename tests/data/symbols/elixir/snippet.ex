defmodule Inventory.Stock do
  @moduledoc """
  Tracks stock levels per SKU.
  """
  use GenServer
  alias Inventory.Item

  @default_level 0

  def start_link(opts \\ []) do
    GenServer.start_link(__MODULE__, %{}, opts)
  end

  def add(pid, %Item{sku: sku}, qty) when qty > 0 do
    GenServer.cast(pid, {:add, sku, qty})
  end

  @impl true
  def init(state), do: {:ok, state}

  @impl true
  def handle_cast({:add, sku, qty}, state) do
    {:noreply, Map.update(state, sku, qty, &(&1 + qty))}
  end

  def level(state, sku) do
    case Map.fetch(state, sku) do
      {:ok, n} -> n
      :error -> @default_level
    end
  end
end

defmodule Inventory.Item do
  defstruct [:sku, name: "unnamed"]
end
