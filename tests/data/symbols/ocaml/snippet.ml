(* A simple stack-based calculator. *)
open Printf

type token =
  | Num of float
  | Op of char

exception Stack_underflow

let tokenize s =
  String.split_on_char ' ' s
  |> List.filter (fun t -> t <> "")
  |> List.map (fun t ->
         match t with
         | "+" | "-" | "*" | "/" -> Op t.[0]
         | n -> Num (float_of_string n))

let apply op a b =
  match op with
  | '+' -> a +. b
  | '-' -> a -. b
  | '*' -> a *. b
  | _ -> a /. b

let eval tokens =
  let step stack tok =
    match tok, stack with
    | Num n, _ -> n :: stack
    | Op o, b :: a :: rest -> apply o a b :: rest
    | Op _, _ -> raise Stack_underflow
  in
  List.fold_left step [] tokens

let () =
  match eval (tokenize "3 4 + 2 *") with
  | [ result ] -> printf "%g\n" result
  | _ -> print_endline "bad expression"
