extends CharacterBody2D
class_name Player

## Emitted when the player's health changes.
signal health_changed(value: int)

const SPEED := 220.0
@export var max_health: int = 5

var health: int = max_health
var _facing := Vector2.RIGHT

func _ready() -> void:
	health = max_health

func _physics_process(delta: float) -> void:
	var input := Input.get_vector("left", "right", "up", "down")
	if input != Vector2.ZERO:
		_facing = input.normalized()
	velocity = input * SPEED
	move_and_slide()

func take_damage(amount: int) -> void:
	health = max(health - amount, 0)
	health_changed.emit(health)
	match health:
		0:
			queue_free()
		_:
			print("hp left: ", health)
