-module(counter).
-behaviour(gen_server).

-export([start_link/0, increment/1, value/0]).
-export([init/1, handle_call/3, handle_cast/2]).

-record(state, {count = 0 :: non_neg_integer()}).

%% Public API
start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

increment(N) when is_integer(N), N > 0 ->
    gen_server:cast(?MODULE, {add, N}).

value() ->
    gen_server:call(?MODULE, value).

%% Callbacks
init([]) ->
    {ok, #state{}}.

handle_call(value, _From, State = #state{count = C}) ->
    {reply, C, State}.

handle_cast({add, N}, State = #state{count = C}) ->
    {noreply, State#state{count = C + N}};
handle_cast(_Other, State) ->
    {noreply, State}.
