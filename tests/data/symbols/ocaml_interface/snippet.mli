(** Stack-based calculator interface. *)

type token =
  | Num of float
  | Op of char

exception Stack_underflow

val tokenize : string -> token list
(** [tokenize s] splits [s] into tokens. *)

val apply : char -> float -> float -> float

val eval : token list -> float list

module type PRINTER = sig
  type t
  val print : t -> unit
end

module Float_printer : PRINTER with type t = float
